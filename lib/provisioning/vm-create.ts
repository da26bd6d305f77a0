import "server-only";
import { domainNames } from "@/lib/virt/domain";
import { volumeCreate, volumeDeleteTry, volumeUpload } from "@/lib/virt/storage-volume";
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { env } from "@/lib/env";
import { bytesToGiB, quotaRelease, quotaReserve } from "@/lib/provisioning/quota";
import type { Caller } from "@/lib/authz/caller";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { planTaskRegister } from "./plan-task";
import { cdromBusFor } from "@/lib/libvirt/domain-xml-create";
import type { VolumeWire } from "@/lib/libvirt/storage-xml";
import { templateGet } from "@/lib/templates/templates";
import type {
  DiskSpec,
  PreflightWarning,
  TemplateView,
  VmCreateInput,
  VmCreateResult,
} from "@/lib/contracts/provisioning";
import { provHost, vmAuditor, type ProvHost } from "./host-access";
import { domainTypeFor, hostFacts, osinfoUrl, osVariants, poolsList, volumeGet, type HostFacts } from "./host-options";
import { CreatePlanSchema, planRun, provImageInspect, type CreatePlan, type VolumeStep } from "./plan";
import { cloudInitSeedIso } from "./cloud-init";
import { isoVolumeCheck } from "./iso-check";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe } from "./volume-dependents-find";

const MiB = 1024 * 1024;
export const TASK_KIND_CREATE = "vm.create";

type Hardware = Extract<VmCreateInput, { mode: "iso" }>["hardware"];
type PlanDisk = CreatePlan["domain"]["disks"][number];

function volName(vm: string, i: number, format: string): string {
  return `${vm}${i === 0 ? "" : `-disk${i}`}.${format}`;
}

/** Volumes for the template's disks after the first (or all of them when there is no base image). */
function emptyDisks(vm: string, disks: DiskSpec[], firstIndex: number): { steps: VolumeStep[]; planDisks: PlanDisk[] } {
  const steps: VolumeStep[] = [];
  const planDisks: PlanDisk[] = [];
  disks.forEach((d, j) => {
    const i = firstIndex + j;
    const name = volName(vm, i, d.format);
    steps.push({ kind: "empty", pool: d.pool, name, format: d.format, capacityBytes: d.sizeMiB * MiB });
    planDisks.push({ device: "disk", format: d.format, bus: d.bus, cache: d.cache, volume: { pool: d.pool, name } });
  });
  return { steps, planDisks };
}

/** Bytes a volume step takes from its pool now (thin qcow2 and overlays: almost nothing). */
function stepUsage(s: VolumeStep): number {
  switch (s.kind) {
    case "overlay":
      return MiB;
    case "copy":
      return s.srcAllocationBytes;
    case "empty":
      return s.format === "raw" ? s.capacityBytes : MiB;
  }
}

async function preflight(
  h: ProvHost,
  facts: HostFacts,
  plan: CreatePlan,
  extraPoolBytes: Map<string, number>,
): Promise<PreflightWarning[]> {
  const needPools = new Set([...extraPoolBytes.keys(), ...plan.volumes.map((v) => v.pool)]);
  const pools = await poolsList(h, [...needPools]);
  const warnings: PreflightWarning[] = [];
  const memNeed = plan.domain.memoryMiB * MiB;
  if (facts.freeMemoryBytes !== null && memNeed > facts.freeMemoryBytes) {
    warnings.push({
      code: "memory",
      message: `${h.host.name} has ${Math.floor(facts.freeMemoryBytes / MiB)} MiB of memory available; this VM needs ${plan.domain.memoryMiB} MiB`,
      messageKey: {
        key: "create.warnings.memory",
        params: {
          host: h.host.name,
          availableMiB: Math.floor(facts.freeMemoryBytes / MiB),
          neededMiB: plan.domain.memoryMiB,
        },
      },
      neededBytes: memNeed,
      availableBytes: facts.freeMemoryBytes,
    });
  }
  const need = new Map(extraPoolBytes);
  for (const s of plan.volumes) need.set(s.pool, (need.get(s.pool) ?? 0) + stepUsage(s));
  for (const [poolName, bytes] of need) {
    const pool = pools.find((p) => p.name === poolName);
    if (!pool)
      throw new AppError("invalid_input", `${h.host.name}: no storage pool "${poolName}"`, {
        issues: [{ path: "pool", message: "Unknown pool" }],
      });
    if (!pool.active) throw new AppError("invalid_state", `${h.host.name}: storage pool "${poolName}" is not active`);
    if (bytes > pool.availableBytes) {
      warnings.push({
        code: "disk",
        message: `Pool "${poolName}" on ${h.host.name} has ${Math.floor(pool.availableBytes / MiB)} MiB free; the new disks need about ${Math.ceil(bytes / MiB)} MiB now`,
        messageKey: {
          key: "create.warnings.disk",
          params: {
            pool: poolName,
            host: h.host.name,
            availableMiB: Math.floor(pool.availableBytes / MiB),
            neededMiB: Math.ceil(bytes / MiB),
          },
        },
        neededBytes: bytes,
        availableBytes: pool.availableBytes,
      });
    }
  }
  return warnings;
}

interface Planned {
  plan: CreatePlan;
  facts: HostFacts;
  /** Seed ISO to upload before the plan runs. */
  seed?: { pool: string; name: string; image: Buffer };
  summary: Record<string, unknown>;
}

export interface VmCreateOptions {
  /**
   * Checks the caller may attach the new VM's NICs (the route: network.manage for bridges, see
   * resource-access.ts). Called with the NICs the VM gets, a template's included, before anything
   * is created.
   */
  nicsAuthorize?: (nics: readonly { kind: string; source: string }[]) => Promise<void>;
}

type TemplateInput = Extract<VmCreateInput, { mode: "template" }>;
type Boot = ("hd" | "cdrom" | "network")[];

/** What a creation mode decides: the hardware, the volumes to create, the domain's disks, the boot order. */
interface Layout {
  hw: Hardware;
  volumes: VolumeStep[];
  disks: PlanDisk[];
  boot: Boot;
  seed?: Planned["seed"];
  description: string;
}

/** The template's hardware with the request's overrides (vCPUs, memory, first disk's size). */
function templateHardware(t: TemplateView, overrides: TemplateInput["overrides"]): Hardware {
  const hw: Hardware = { ...t, disks: t.disks.map((d) => ({ ...d })) };
  if (overrides.vcpus) hw.vcpus = overrides.vcpus;
  if (overrides.memoryMiB) {
    hw.memoryMiB = overrides.memoryMiB;
    hw.maxMemoryMiB = Math.max(hw.maxMemoryMiB, hw.memoryMiB);
  }
  if (overrides.diskSizeMiB && hw.disks[0]) hw.disks[0].sizeMiB = overrides.diskSizeMiB;
  return hw;
}

/** A template with a base image: its first disk is a linked or full clone of it, plus a cloud-init seed when asked. */
async function templateImageLayout(
  h: ProvHost,
  input: TemplateInput,
  t: TemplateView,
  src: { pool: string; volume: string },
  hw: Hardware,
  uuid: string,
  summary: Record<string, unknown>,
): Promise<Layout> {
  let volumes: VolumeStep[] = [];
  let disks: PlanDisk[] = [];
  let seed: Planned["seed"];
  const img: VolumeWire = await volumeGet(h, src.pool, src.volume);
  if (!img.path) throw new AppError("invalid_state", `The base image ${src.pool}/${src.volume} has no path`);
  const d0 = hw.disks[0];
  // The template's first disk is the clone of its base image: its format is the base image's
  // declared format (never libvirt's probe of the image's bytes).
  const baseFormat = d0.format;
  const base = await provImageInspect(
    h,
    img.path,
    baseFormat,
    `the base image ${src.pool}/${src.volume} (declared ${baseFormat} by the template's first disk)`,
    { backingChain: true },
  );
  const capacityBytes = Math.max(d0.sizeMiB * MiB, base.virtualSizeBytes);
  if (input.overrides.diskSizeMiB && input.overrides.diskSizeMiB * MiB < base.virtualSizeBytes) {
    throw new AppError(
      "invalid_input",
      `The disk cannot be smaller than the base image (${Math.ceil(base.virtualSizeBytes / MiB)} MiB)`,
      {
        issues: [{ path: "overrides.diskSizeMiB", message: "Smaller than the base image" }],
      },
    );
  }
  summary.clone = input.clone;
  if (input.clone === "linked") {
    const name = volName(input.name, 0, "qcow2");
    volumes.push({
      kind: "overlay",
      pool: d0.pool,
      name,
      capacityBytes,
      backingPath: img.path,
      backingFormat: baseFormat,
      backingChain: base.chain,
    });
    disks.push({
      device: "disk",
      format: "qcow2",
      bus: d0.bus,
      cache: d0.cache,
      volume: { pool: d0.pool, name },
      backing: [{ path: img.path, format: baseFormat }, ...base.chain],
    });
  } else {
    const name = volName(input.name, 0, d0.format);
    volumes.push({
      kind: "copy",
      pool: d0.pool,
      name,
      format: d0.format,
      srcFormat: baseFormat,
      capacityBytes,
      srcPool: src.pool,
      srcName: src.volume,
      srcAllocationBytes: img.allocationBytes,
    });
    disks.push({ device: "disk", format: d0.format, bus: d0.bus, cache: d0.cache, volume: { pool: d0.pool, name } });
  }
  const rest = emptyDisks(input.name, hw.disks.slice(1), 1);
  volumes = volumes.concat(rest.steps);
  disks = disks.concat(rest.planDisks);
  const ci = input.cloudInit;
  if (t.cloudInit || ci) {
    const name = `${input.name}-cidata.iso`;
    const image = cloudInitSeedIso({
      instanceId: uuid,
      hostname: ci?.hostname || input.name.replace(/[^A-Za-z0-9-]/g, "-").slice(0, 63),
      username: ci?.username,
      password: ci?.password,
      sshKeys: ci?.sshKeys,
      userData: t.cloudInit?.userData,
      metaData: t.cloudInit?.metaData,
      networkConfig: t.cloudInit?.networkConfig,
    });
    seed = { pool: d0.pool, name, image };
    disks.push({ device: "cdrom", format: "raw", bus: cdromBusFor(hw.machineType), volume: { pool: d0.pool, name } });
    summary.cloudInit = true;
  }
  return { hw, volumes, disks, boot: ["hd"], seed, description: t.description };
}

/** From a template: a base image (cloned), an installer ISO, PXE, or empty disks only. */
async function templateLayout(
  h: ProvHost,
  input: TemplateInput,
  uuid: string,
  summary: Record<string, unknown>,
): Promise<Layout> {
  const t = await templateGet(input.templateId);
  summary.template = t.name;
  const hw = templateHardware(t, input.overrides);
  const src = t.source;
  if (src.kind === "image") return templateImageLayout(h, input, t, src, hw, uuid, summary);
  const all = emptyDisks(input.name, hw.disks, 0);
  const disks = all.planDisks;
  let boot: Boot = ["hd"];
  if (src.kind === "iso") {
    await isoVolumeCheck(h, src, "templateId");
    disks.push({
      device: "cdrom",
      format: "raw",
      bus: cdromBusFor(hw.machineType),
      volume: { pool: src.pool, name: src.volume },
    });
    boot = ["cdrom", "hd"];
  } else if (src.kind === "pxe") {
    boot = ["network", "hd"];
  }
  return { hw, volumes: all.steps, disks, boot, description: t.description };
}

/** From an installer ISO: empty disks, the ISO as a cdrom booted first. */
async function isoLayout(
  h: ProvHost,
  input: Extract<VmCreateInput, { mode: "iso" }>,
  summary: Record<string, unknown>,
): Promise<Layout> {
  const hw = input.hardware;
  await isoVolumeCheck(h, input.iso, "iso.volume");
  const all = emptyDisks(input.name, hw.disks, 0);
  const disks = all.planDisks;
  disks.push({
    device: "cdrom",
    format: "raw",
    bus: cdromBusFor(hw.machineType),
    volume: { pool: input.iso.pool, name: input.iso.volume },
  });
  summary.iso = `${input.iso.pool}/${input.iso.volume}`;
  return { hw, volumes: all.steps, disks, boot: ["cdrom", "hd"], description: "" };
}

/** From an existing volume: it becomes the first disk (format checked against its bytes), the rest are empty disks. */
async function importLayout(
  h: ProvHost,
  input: Extract<VmCreateInput, { mode: "import" }>,
  summary: Record<string, unknown>,
): Promise<Layout> {
  const hw = input.hardware;
  const vol = await volumeGet(h, input.disk.pool, input.disk.volume);
  await importVolumeCheck(h, input.disk, vol);
  // The format the caller declares, checked against the bytes (libvirt's probe is not asked).
  const format = input.disk.format;
  await provImageInspect(h, vol.path!, format, `${input.disk.pool}/${input.disk.volume} (declared ${format})`);
  const disks: PlanDisk[] = [
    { device: "disk", format, bus: input.disk.bus, volume: { pool: input.disk.pool, name: input.disk.volume } },
  ];
  const rest = emptyDisks(input.name, hw.disks, 1);
  summary.import = `${input.disk.pool}/${input.disk.volume}`;
  return { hw, volumes: rest.steps, disks: disks.concat(rest.planDisks), boot: ["hd"], description: "" };
}

async function planFor(h: ProvHost, input: VmCreateInput, opts: VmCreateOptions = {}): Promise<Planned> {
  const uuid = randomUUID();
  const base = { name: input.name, uuid, title: input.title || undefined };
  const summary: Record<string, unknown> = { mode: input.mode };
  const layout =
    input.mode === "template"
      ? await templateLayout(h, input, uuid, summary)
      : input.mode === "iso"
        ? await isoLayout(h, input, summary)
        : await importLayout(h, input, summary);
  const { hw, volumes, disks, boot, seed, description } = layout;

  await opts.nicsAuthorize?.(hw.nics);
  const [facts, os] = await Promise.all([
    hostFacts(h, { firmware: hw.firmware === "uefi" }),
    hw.osVariant ? osVariants(h) : { list: [] },
  ]);
  const plan: CreatePlan = CreatePlanSchema.parse({
    hostId: h.host.id,
    start: input.start,
    volumes,
    cleanup: seed ? [{ pool: seed.pool, name: seed.name }] : [],
    domain: {
      ...base,
      description: description || undefined,
      domainType: domainTypeFor(hw.domainType, h.host.domainType, facts.domainTypes),
      machine: hw.machineType || undefined,
      osinfoId: hw.osVariant ? osinfoUrl(os.list, hw.osVariant) : undefined,
      vcpus: hw.vcpus,
      memoryMiB: hw.memoryMiB,
      maxMemoryMiB: hw.maxMemoryMiB,
      cpuMode: hw.cpuMode,
      cpuModel: hw.cpuModel || undefined,
      firmware: hw.firmware,
      disks,
      nics: hw.nics.map((n) => ({ kind: n.kind, source: n.source, model: n.model, mac: n.mac || undefined })),
      graphics: hw.graphics,
      graphicsPasswordLocked: hw.graphics === "spice" || (hw.graphics === "vnc" && env().VIRTDECK_CONSOLE_VNC_PASSWORD),
      serialConsole: hw.serialConsole,
      boot,
    },
  });
  if (hw.firmware === "uefi" && !facts.uefi)
    throw new AppError("invalid_input", `${h.host.name} has no UEFI firmware for guests; choose BIOS`);
  return { plan, facts, seed, summary };
}

/**
 * A volume imported as a new VM's disk becomes that VM's own, writable and deleted with it: it
 * must be no other domain's disk or CD-ROM, in no disk's backing chain, no template's base image,
 * no volume's backing file and nothing a pending create/clone is to copy (volume-dependents.ts).
 * The privilege (storage.manage on the host) is checked by the route.
 */
async function importVolumeCheck(h: ProvHost, ref: { pool: string; volume: string }, vol: VolumeWire): Promise<void> {
  if (!vol.path?.startsWith("/"))
    throw new AppError("invalid_input", `${ref.pool}/${ref.volume} is not a file on ${h.host.name}`, {
      issues: [{ path: "disk.volume", message: "Not a file" }],
    });
  const deps = (await volumeDependents(h.host, [vol.path], { exceptVm: "" })).get(vol.path)!;
  if (dependentsAny(deps)) {
    throw new AppError(
      "conflict",
      `${ref.pool}/${ref.volume} cannot be imported as a new VM's disk: it is used by ${dependentsDescribe(deps).join("; ")}`,
      {
        issues: [{ path: "disk.volume", message: "In use" }],
      },
    );
  }
}

async function seedUpload(h: ProvHost, seed: NonNullable<Planned["seed"]>): Promise<void> {
  await volumeCreate({ host: h, pool: seed.pool, name: seed.name, capacity: `${seed.image.length}b`, format: "raw" });
  try {
    await volumeUpload({ host: h, pool: seed.pool, name: seed.name, data: seed.image });
  } catch (err) {
    await volumeDeleteTry({ host: h, ref: { pool: seed.pool, name: seed.name } });
    throw err;
  }
}

/**
 * Creates a VM from a template, an ISO or an existing volume. Pre-flight warnings (memory, pool
 * space) stop it unless the caller accepted them. Full copies run as a task; the rest here.
 */
export async function vmCreate(
  caller: Caller,
  input: VmCreateInput,
  opts: VmCreateOptions = {},
): Promise<VmCreateResult> {
  const h = await provHost(input.hostId);
  // One list on the host's session, not an inventory refresh (which can wait on a `ps` exec for
  // uptimes). A name taken in the last second slips past this check; libvirt's define then refuses it.
  if ((await domainNames({ host: h })).includes(input.name)) {
    throw new AppError("conflict", `${h.host.name} already has a VM named "${input.name}"`, {
      issues: [{ path: "name", message: "This name is taken on this host" }],
    });
  }
  const audit = vmAuditor(caller, h, "vm.create", { name: input.name });

  const { plan, facts, seed, summary } = await planFor(h, input, opts);
  const warnings = await preflight(h, facts, plan, seed ? new Map([[seed.pool, seed.image.length]]) : new Map());
  if (warnings.length && !input.acceptWarnings) {
    throw new AppError("conflict", warnings.map((w) => w.message).join("; "), { data: { warnings } });
  }
  // The caller's quota must have room; the VM counts against it from here (released if creation fails).
  const resources = {
    vcpus: plan.domain.vcpus,
    memoryMiB: plan.domain.memoryMiB,
    diskGiB: bytesToGiB(plan.volumes.reduce((n, v) => n + v.capacityBytes, 0)),
  };
  await quotaReserve(caller.principal.user, { hostId: h.host.id, vmUuid: plan.domain.uuid, ...resources });
  try {
    if (seed) await seedUpload(h, seed);
  } catch (err) {
    await quotaRelease(h.host.id, plan.domain.uuid);
    throw err;
  }

  if (plan.volumes.some((v) => v.kind === "copy")) {
    const task = await taskEnqueue(caller, {
      kind: TASK_KIND_CREATE,
      title: `Create ${input.name} on ${h.host.name} (full copy)`,
      titleMessage: { key: "titles.vmCreateCopy", params: { name: input.name, host: h.host.name } },
      hostId: h.host.id,
      vmUuid: plan.domain.uuid,
      input: { plan, summary },
    });
    await audit("success", { ...summary, uuid: plan.domain.uuid, taskId: task.id, queued: true });
    return { taskId: task.id, warnings };
  }
  try {
    const vm = await planRun(h, plan);
    await audit("success", { ...summary, uuid: vm.uuid, started: vm.started });
    return { vm: { hostId: h.host.id, uuid: vm.uuid, name: vm.name }, warnings };
  } catch (err) {
    await quotaRelease(h.host.id, plan.domain.uuid);
    await audit("failure", {
      ...summary,
      uuid: plan.domain.uuid,
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

planTaskRegister(TASK_KIND_CREATE);
