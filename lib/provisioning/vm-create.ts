import "server-only";
import { hostPlacementRequire } from "@/lib/fleet/host-maintenance";
import { domainNames } from "@/lib/virt/domain";
import { networkList } from "@/lib/virt/network";
import { volumeCreate, volumeDeleteTry, volumeUpload } from "@/lib/virt/storage-volume";
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { env } from "@/lib/env";
import { bytesToGiB, quotaRelease, quotaReserve } from "@/lib/provisioning/quota";
import type { Caller } from "@/lib/authz/caller";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { planTaskRegister } from "./plan-task";
import type { PreflightWarning, VmCreateInput, VmCreateResult } from "@/lib/contracts/provisioning";
import { provHost, vmAuditor, type ProvHost } from "./host-access";
import { domainTypeFor, hostFacts, osinfoUrl, osVariants, poolsList, type HostFacts } from "./host-options";
import { planRun } from "./plan";
import { CreatePlanSchema, type CreatePlan, type VolumeStep } from "./plan-schema";
import { importLayout, isoLayout, templateLayout, type Seed } from "./vm-create-layout";
import { staticLeaseAdd, staticLeasePrepare, staticLeaseRemoveQuiet, type StaticLeasePlan } from "./static-lease";

const MiB = 1024 * 1024;
export const TASK_KIND_CREATE = "vm.create";

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
  // A NIC on a network that is not running: libvirt refuses to start the VM ("network is not active").
  const netNames = [...new Set(plan.domain.nics.filter((n) => n.kind === "network").map((n) => n.source))];
  if (netNames.length) {
    const nets = await networkList({ host: h });
    for (const name of netNames) {
      const net = nets.find((n) => n.name === name);
      if (!net)
        throw new AppError("invalid_input", `nics: ${h.host.name} has no network ${name}`, {
          issues: [{ path: "nics", message: `${h.host.name} has no network ${name}` }],
        });
      if (!net.active)
        warnings.push({
          code: "network",
          message: `The network ${name} on ${h.host.name} is not active: the VM cannot start until it is started`,
          messageKey: { key: "create.warnings.network", params: { network: name, host: h.host.name } },
          neededBytes: 0,
          availableBytes: 0,
        });
    }
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
  seed?: Seed;
  summary: Record<string, unknown>;
  /** A static DHCP address to add to the VM's network before it is defined. */
  lease?: StaticLeasePlan;
}

export interface VmCreateOptions {
  /**
   * Checks the caller may attach the new VM's NICs (the route: network.manage for bridges, see
   * resource-access.ts). Called with the NICs the VM gets, a template's included, before anything
   * is created.
   */
  nicsAuthorize?: (nics: readonly { kind: string; source: string }[]) => Promise<void>;
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
  const staticLease = input.mode === "template" ? input.staticLease : null;
  const leased = staticLease ? await staticLeasePrepare(h, staticLease, hw.nics) : undefined;
  const nics = leased?.nics ?? hw.nics;
  if (leased) summary.staticLease = { network: leased.plan.network, ip: leased.plan.ip, mac: leased.plan.mac };
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
      nics: nics.map((n) => ({ kind: n.kind, source: n.source, model: n.model, mac: n.mac || undefined })),
      graphics: hw.graphics,
      graphicsPasswordLocked: hw.graphics === "spice" || (hw.graphics === "vnc" && env().VIRTDECK_CONSOLE_VNC_PASSWORD),
      serialConsole: hw.serialConsole,
      boot,
    },
  });
  if (hw.firmware === "uefi" && !facts.uefi)
    throw new AppError("invalid_input", `${h.host.name} has no UEFI firmware for guests; choose BIOS`);
  return { plan, facts, seed, summary, lease: leased?.plan };
}

async function seedUpload(h: ProvHost, seed: Seed): Promise<void> {
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
  await hostPlacementRequire(input.hostId, "hostId");
  const h = await provHost(input.hostId);
  // One list on the host's session, not an inventory refresh (which can wait on a `ps` exec for
  // uptimes). A name taken in the last second slips past this check; libvirt's define then refuses it.
  if ((await domainNames({ host: h })).includes(input.name)) {
    throw new AppError("conflict", `${h.host.name} already has a VM named "${input.name}"`, {
      issues: [{ path: "name", message: "This name is taken on this host" }],
    });
  }
  const audit = vmAuditor(caller, h, "vm.create", { name: input.name });

  const { plan, facts, seed, summary, lease } = await planFor(h, input, opts);
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
    if (lease) await staticLeaseAdd(h, lease);
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
    if (lease) await staticLeaseRemoveQuiet(h, lease);
    await audit("failure", {
      ...summary,
      uuid: plan.domain.uuid,
      error: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
}

planTaskRegister(TASK_KIND_CREATE);
