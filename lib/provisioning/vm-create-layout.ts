import "server-only";
import { AppError } from "@/lib/http/errors";
import { cdromBusFor } from "@/lib/libvirt/domain-xml-create";
import type { VolumeWire } from "@/lib/libvirt/storage-xml";
import { templateGet } from "@/lib/templates/templates";
import { templateBaseImageBytes, templateBaseImageOn } from "./template-image-copy";
import type { DiskSpec, TemplateView, VmCreateInput } from "@/lib/contracts/provisioning";
import type { ProvHost } from "./host-access";
import { volumeGet } from "./host-options";
import { provImageInspect } from "./plan";
import type { CreatePlan, VolumeStep } from "./plan-schema";
import { cloudInitSeedIso } from "./cloud-init";
import { isoVolumeCheck } from "./iso-check";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe } from "./volume-dependents-find";

/**
 * The layout of a new VM for each creation mode (template, installer ISO, imported volume): its
 * hardware, the volumes to create and the domain's disks and boot order (vm-create.ts plans and runs it).
 */

const MiB = 1024 * 1024;

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

type TemplateInput = Extract<VmCreateInput, { mode: "template" }>;
type Boot = ("hd" | "cdrom" | "network")[];

/** A cloud-init seed ISO, uploaded before the plan runs. */
export interface Seed {
  pool: string;
  name: string;
  image: Buffer;
}

/** What a creation mode decides: the hardware, the volumes to create, the domain's disks, the boot order. */
export interface Layout {
  hw: Hardware;
  volumes: VolumeStep[];
  disks: PlanDisk[];
  boot: Boot;
  seed?: Seed;
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

/** The base image's clone as the first disk: a qcow2 overlay on it (linked) or a full copy (copy). */
async function baseImageClone(
  h: ProvHost,
  input: TemplateInput,
  src: { pool: string; volume: string },
  d0: DiskSpec,
): Promise<{ step: VolumeStep; disk: PlanDisk }> {
  const img: VolumeWire = await volumeGet(h, src.pool, src.volume);
  if (!img.path) throw new AppError("invalid_state", `The base image ${src.pool}/${src.volume} has no path`);
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
  if (input.clone === "linked") {
    const name = volName(input.name, 0, "qcow2");
    return {
      step: {
        kind: "overlay",
        pool: d0.pool,
        name,
        capacityBytes,
        backingPath: img.path,
        backingFormat: baseFormat,
        backingChain: base.chain,
      },
      disk: {
        device: "disk",
        format: "qcow2",
        bus: d0.bus,
        cache: d0.cache,
        volume: { pool: d0.pool, name },
        backing: [{ path: img.path, format: baseFormat }, ...base.chain],
      },
    };
  }
  const name = volName(input.name, 0, d0.format);
  return {
    step: {
      kind: "copy",
      pool: d0.pool,
      name,
      format: d0.format,
      srcFormat: baseFormat,
      capacityBytes,
      srcPool: src.pool,
      srcName: src.volume,
      srcAllocationBytes: img.allocationBytes,
    },
    disk: { device: "disk", format: d0.format, bus: d0.bus, cache: d0.cache, volume: { pool: d0.pool, name } },
  };
}

/** The cloud-init seed ISO for a template's VM (the template's data, the request's user and keys). */
function templateSeed(input: TemplateInput, t: TemplateView, uuid: string, pool: string): Seed {
  const ci = input.cloudInit;
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
  return { pool, name: `${input.name}-cidata.iso`, image };
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
  const d0 = hw.disks[0];
  const base = await templateBaseImageOn(h, t);
  // On the template's own host (or for one bound to none) a missing image is an error of the template itself.
  const copyable = !!t.defaultHostId && t.defaultHostId !== h.host.id;
  if (!base && copyable) {
    // Never fall back to another host's image: the caller copies it here first (a task), then deploys.
    throw new AppError(
      "invalid_input",
      `${h.host.name} does not have the base image ${src.pool}/${src.volume} of template "${t.name}": a copy can be made (POST /api/templates/${t.id}/copies), then deploy again`,
      {
        issues: [{ path: "hostId", message: "This host lacks the template's base image: a copy can be made" }],
        data: {
          baseImageMissing: true,
          templateId: t.id,
          hostId: h.host.id,
          sourceHostId: t.defaultHostId,
          bytes: await templateBaseImageBytes(t),
        },
      },
    );
  }
  if (base?.copy) summary.baseImageCopy = `${base.pool}/${base.volume}`;
  const first = await baseImageClone(h, input, base ? { pool: base.pool, volume: base.volume } : src, d0);
  summary.clone = input.clone;
  const rest = emptyDisks(input.name, hw.disks.slice(1), 1);
  const volumes = [first.step, ...rest.steps];
  const disks = [first.disk, ...rest.planDisks];
  let seed: Seed | undefined;
  if (t.cloudInit || input.cloudInit) {
    seed = templateSeed(input, t, uuid, d0.pool);
    disks.push({
      device: "cdrom",
      format: "raw",
      bus: cdromBusFor(hw.machineType),
      volume: { pool: seed.pool, name: seed.name },
    });
    summary.cloudInit = true;
  }
  return { hw, volumes, disks, boot: ["hd"], seed, description: t.description };
}

/** From a template: a base image (cloned), an installer ISO, PXE, or empty disks only. */
export async function templateLayout(
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
export async function isoLayout(
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
export async function importLayout(
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
