import "server-only";
import { domainXmlGet } from "@/lib/virt/domain";
import { volumeGetMany, volumePoolOfMany } from "@/lib/virt/storage-volume";
import { poolGetMany, poolRefreshQuiet } from "@/lib/virt/storage-pool";
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { bytesToGiB, quotaReserve } from "@/lib/provisioning/quota";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import type { Caller } from "@/lib/authz/caller";
import { inventoryGet } from "@/lib/fleet/inventory";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { planTaskRegister } from "./plan-task";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { domainDisks } from "@/lib/libvirt/domain-xml-update";
import { isActive } from "@/lib/libvirt/vm-state";
import { type VmCloneInput } from "@/lib/contracts/provisioning";
import { provHost, vmAuditor, type ProvHost } from "./host-access";
import { provImageInspect } from "./plan";
import { CreatePlanSchema, type CreatePlan, type VolumeStep } from "./plan-schema";

export const TASK_KIND_CLONE = "vm.clone";
export const MiB = 1024 * 1024;

export function uuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

export async function vmState(h: ProvHost, uuid: string): Promise<{ name: string; state: string; template: boolean }> {
  const inv = await inventoryGet(h.host.id, { maxAgeMs: 0 });
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  return { name: vm.name, state: vm.state, template: vm.template };
}

/** Pool and volume of each file-backed disk (not CD-ROMs) of a domain definition. */
export async function diskVolumes(h: ProvHost, xml: string) {
  const disks = domainDisks(xml).filter((d) => d.device === "disk");
  if (!disks.length) return [];
  for (const d of disks) {
    if (!d.path)
      throw new AppError("invalid_state", `Disk ${d.target} is not a file: virtdeck clones file-backed disks only`);
  }
  const paths = disks.map((d) => d.path!);
  const [pools, vols] = await Promise.all([
    volumePoolOfMany({ host: h, paths }),
    volumeGetMany({ host: h, refs: paths.map((path) => ({ path })) }),
  ]);
  return disks.map((d, i) => {
    const pool = pools[i];
    const volume = vols[i];
    if (pool === null || !volume)
      throw new AppError(
        "invalid_state",
        `Disk ${d.target} (${d.path}) is not in a storage pool: add its directory as a pool first`,
      );
    return { disk: d, pool, volume };
  });
}

/** The format a domain declares for a disk (<driver type>): raw or qcow2, nothing probed. */
export function declaredDiskFormat(d: { target: string; format?: string }): "raw" | "qcow2" {
  if (d.format === "raw" || d.format === "qcow2") return d.format;
  throw new AppError(
    "invalid_state",
    `Disk ${d.target} declares ${d.format ? `format ${d.format}` : "no format"}: virtdeck copies raw and qcow2 disks only`,
  );
}

type CloneAudit = (outcome: "success" | "failure", details: Record<string, unknown>) => Promise<unknown>;
type DiskVolume = Awaited<ReturnType<typeof diskVolumes>>[number];
type CheckedDisk = DiskVolume & {
  fmt: "raw" | "qcow2";
  capacityBytes: number;
  chain: Awaited<ReturnType<typeof provImageInspect>>["chain"];
};

/** Refuses a clone of a running VM, a linked clone of a non-template, and a name taken on the host. */
async function cloneSourceCheck(
  h: ProvHost,
  src: { name: string; state: string; template: boolean },
  input: VmCloneInput,
  audit: CloneAudit,
): Promise<void> {
  if (isActive(src.state as never)) {
    await audit("failure", { reason: "running" });
    throw new AppError(
      "invalid_state",
      `Shut ${src.name} down before cloning it: a running guest's disks are not consistent`,
    );
  }
  if (input.mode === "linked" && !src.template) {
    await audit("failure", { reason: "not_template" });
    throw new AppError(
      "invalid_state",
      `Linked clones need a template VM: ${src.name} would keep writing to the disks its clones read. Convert it to a template first, or make a full clone.`,
    );
  }
  const inv = await inventoryGet(h.host.id);
  if (inv.vms.some((v) => v.name === input.name)) {
    throw new AppError("conflict", `${h.host.name} already has a VM named "${input.name}"`, {
      issues: [{ path: "name", message: "This name is taken on this host" }],
    });
  }
}

/**
 * Each disk's format is the one the domain declares (<driver type>), and its bytes must agree;
 * refused here, before anything is queued (and checked again when the task copies it).
 */
async function cloneDisksInspect(h: ProvHost, vols: DiskVolume[], audit: CloneAudit): Promise<CheckedDisk[]> {
  const checked: CheckedDisk[] = [];
  for (const v of vols) {
    const fmt = declaredDiskFormat(v.disk);
    const info = await provImageInspect(
      h,
      v.disk.path!,
      fmt,
      `disk ${v.disk.target} (${v.disk.path}, declared ${fmt})`,
      { backingChain: true },
    ).catch(async (err: unknown) => {
      await audit("failure", {
        reason: "image_refused",
        disk: v.disk.target,
        error: err instanceof Error ? err.message : String(err),
      });
      throw err;
    });
    checked.push({ ...v, fmt, capacityBytes: info.virtualSizeBytes, chain: info.chain });
  }
  return checked;
}

/** The new volumes: full copies, or qcow2 overlays on the template's disks when linked. */
function cloneVolumeSteps(checked: CheckedDisk[], input: VmCloneInput): VolumeStep[] {
  return checked.map((v, i) => {
    const name = `${input.name}${i === 0 ? "" : `-disk${i}`}.${input.mode === "linked" ? "qcow2" : v.fmt}`;
    return input.mode === "linked"
      ? {
          kind: "overlay",
          pool: v.pool,
          name,
          capacityBytes: v.capacityBytes,
          backingPath: v.disk.path!,
          backingFormat: v.fmt,
          backingChain: v.chain,
        }
      : {
          kind: "copy",
          pool: v.pool,
          name,
          format: v.fmt,
          srcFormat: v.fmt,
          capacityBytes: v.capacityBytes,
          srcPool: v.pool,
          srcName: v.volume.name,
          srcAllocationBytes: v.volume.allocationBytes,
        };
  });
}

const sizeText = (bytes: number) =>
  bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${(bytes / MiB).toFixed(1)} MiB`;

/**
 * Refuses a full clone whose copies do not fit in their pool's free space (as libvirt reports it
 * after a refresh): a copy keeps its source's holes, so each needs its source's allocation.
 */
async function clonePoolSpaceCheck(h: ProvHost, volumes: VolumeStep[], audit: CloneAudit): Promise<void> {
  const need = new Map<string, number>();
  for (const v of volumes) if (v.kind === "copy") need.set(v.pool, (need.get(v.pool) ?? 0) + v.srcAllocationBytes);
  if (!need.size) return;
  for (const pool of need.keys()) await poolRefreshQuiet({ host: h, pool });
  const wires = await poolGetMany({ host: h, pools: [...need.keys()] });
  for (const [i, [pool, bytes]] of [...need].entries()) {
    const free = wires[i]?.availableBytes;
    if (free === undefined || bytes <= free) continue;
    await audit("failure", { reason: "pool_full", pool, neededBytes: bytes, availableBytes: free });
    throw new AppError(
      "invalid_state",
      `Pool ${pool} on ${h.host.name} has ${sizeText(free)} free; the full clone needs ${sizeText(bytes)} (the allocation of its disks). Free space in ${pool} first.`,
    );
  }
}

/** The create plan the clone task runs: the source definition, renamed, on the new volumes. */
function clonePlanBuild(
  h: ProvHost,
  xml: string,
  input: VmCloneInput,
  checked: CheckedDisk[],
  volumes: VolumeStep[],
  newUuid: string,
): CreatePlan {
  const d = parseDomainXml(xml);
  return CreatePlanSchema.parse({
    hostId: h.host.id,
    start: input.start,
    volumes,
    domain: {
      name: input.name,
      uuid: newUuid,
      domainType: d.type,
      vcpus: d.vcpu.max,
      memoryMiB: d.currentMemoryKiB / 1024,
      maxMemoryMiB: d.memoryKiB / 1024,
      disks: [],
    },
    clone: {
      sourceXml: xml,
      title: input.title || undefined,
      disks: checked.map((v, i) => ({
        from: v.disk.path!,
        volume: { pool: v.pool, name: volumes[i].name },
        ...(input.mode === "linked" ? { backing: [{ path: v.disk.path!, format: v.fmt }, ...v.chain] } : {}),
      })),
    },
  });
}

/**
 * Clones a shut-off VM: new name, UUID and MACs; its disks copied in full, or (from a template
 * VM only, whose disks never change again) as qcow2 overlays. Runs as a task.
 */
export async function vmClone(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  input: VmCloneInput,
): Promise<{ taskId: string }> {
  const uuid = uuidOf(rawUuid);
  const h = await provHost(hostId);
  const src = await vmState(h, uuid);
  const vmAudit = vmAuditor(caller, h, "vm.clone", { uuid, name: src.name });
  const audit = (outcome: "success" | "failure", details: Record<string, unknown>) =>
    vmAudit(outcome, { newName: input.name, mode: input.mode, ...details });
  await cloneSourceCheck(h, src, input, audit);
  const xml = await domainXmlGet({ host: h, uuid, inactive: true });
  const checked = await cloneDisksInspect(h, await diskVolumes(h, xml), audit);
  const volumes = cloneVolumeSteps(checked, input);
  await clonePoolSpaceCheck(h, volumes, audit);
  const newUuid = randomUUID();
  const plan = clonePlanBuild(h, xml, input, checked, volumes, newUuid);
  // The clone counts against the caller's quota (its disks at their full capacity, also when linked).
  await quotaReserve(caller.principal.user, {
    hostId: h.host.id,
    vmUuid: newUuid,
    vcpus: plan.domain.vcpus,
    memoryMiB: plan.domain.memoryMiB,
    diskGiB: bytesToGiB(volumes.reduce((n, v) => n + v.capacityBytes, 0)),
  });
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_CLONE,
    title: `Clone ${src.name} to ${input.name} (${input.mode})`,
    titleMessage: { key: "titles.vmClone", params: { source: src.name, name: input.name, mode: input.mode } },
    hostId: h.host.id,
    vmUuid: newUuid,
    input: { plan, source: { uuid, name: src.name } },
  });
  await audit("success", { taskId: task.id, newUuid });
  return { taskId: task.id };
}

planTaskRegister(TASK_KIND_CLONE);
