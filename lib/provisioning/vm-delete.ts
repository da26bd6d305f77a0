import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { vmAccessForget } from "@/lib/authz/vm-access";
import { quotaRelease } from "./quota";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import type { HostClient } from "@/lib/hosts/client";
import { virshMessage } from "@/lib/hosts/client-errors";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import type { HostView } from "@/lib/fleet/hosts";
import { domainLifecycleTry, domainStateText, domainUndefineTry, domainUuids, domainXmlTry } from "@/lib/virt/domain";
import { volumeDeleteTry, volumeGetMany } from "@/lib/virt/storage-volume";
import { inventoryInvalidate } from "@/lib/fleet/inventory";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg, taskTextEnglish } from "@/lib/tasks/task-text";
import type { MessageRef } from "@/lib/contracts/messages";
import type { TaskView } from "@/lib/contracts/tasks";
import { storageClient } from "@/lib/storage/storage";
import { diskOf, type DomainDisk } from "@/lib/storage/usage";
import { volumeDependents } from "./volume-dependents";
import { dependentsAny, dependentsDescribe, type Dependents } from "./volume-dependents-find";

/**
 * Deleting a VM together with the volumes the user picks. The plan shows each
 * disk and whether it may go: only the VM's own disk drives (never a CD-ROM's or
 * floppy's medium), and never a file anything else reads: another domain on the
 * host (as a disk, a CD-ROM or anywhere in one of its disks' backing chains), a
 * volume backed by it, a template using it as base image, a pending create/clone
 * (lib/provisioning/volume-dependents.ts); never a file outside libvirt's pools.
 * The deletion itself runs as a task: force off if running, undefine with its
 * managed save, snapshot and checkpoint metadata (and NVRAM), then delete the
 * chosen volumes, re-checking each right before; a volume that became unfit is
 * kept, and every kept disk is named in the task's log with the reason.
 */
export const VM_DELETE_KIND = "vm.delete";

export interface VmDeleteDisk extends DomainDisk {
  deletable: boolean;
  /** Why it cannot be deleted (null when it can). */
  reason: string | null;
  /** Other VMs using the file. */
  usedBy: string[];
}

export interface VmDeletePlan {
  hostId: string;
  vmUuid: string;
  vmName: string;
  state: string;
  hasManagedSave: boolean;
  hasSnapshots: boolean;
  disks: VmDeleteDisk[];
}

export const VmDeleteBodySchema = z.object({
  /** Paths of the disks to delete with the VM (from the plan). */
  volumes: z.array(z.string().min(1).max(4096)).max(64).default([]),
});

const InputSchema = z.object({ hostId: z.uuid(), vmUuid: DomainUuidSchema, volumes: z.array(z.string()) });

async function plan(client: HostClient<HostView>, vmUuid: string): Promise<VmDeletePlan> {
  const host = client.host;
  const uuid = DomainUuidSchema.parse(vmUuid);
  const [[xml], state, managed, snaps] = await Promise.all([
    domainXmlTry({ host: client, items: [{ uuid, inactive: true }] }),
    domainStateText({ host: client, uuid }),
    domainUuids({ host: client, filter: "--with-managed-save" }).catch(() => [] as string[]),
    domainUuids({ host: client, filter: "--with-snapshot" }).catch(() => [] as string[]),
  ]);
  if (!xml.ok) throw new AppError("not_found", `No such VM on ${host.name}`);
  const domain = parseDomainXml(xml.stdout);
  const disks = domain.disks.map(diskOf);
  const paths = [...new Set(disks.filter((d) => d.path?.startsWith("/")).map((d) => d.path!))];
  const [deps, vols] = await Promise.all([
    volumeDependents(host, paths, { exceptVm: uuid }),
    volumeGetMany({ host: client, refs: paths.map((path) => ({ path })) }),
  ]);
  const inPool = new Set(paths.filter((_, i) => vols[i]?.path));
  return {
    hostId: host.id,
    vmUuid: uuid,
    vmName: domain.name,
    state: state ?? "unknown",
    hasManagedSave: managed.includes(uuid),
    hasSnapshots: snaps.includes(uuid),
    disks: disks.map((d) => {
      const dep = d.path ? deps.get(d.path) : undefined;
      const usedBy = [...new Set(dep?.vms.map((v) => v.name) ?? [])];
      const twice = disks.some((o) => o !== d && o.path === d.path && o.device !== "disk");
      let reason: string | null = null;
      if (d.device !== "disk")
        reason = `a ${d.device === "cdrom" ? "CD-ROM" : d.device}'s medium is never deleted with the VM`;
      else if (!d.path || !d.path.startsWith("/")) reason = "not a file on the host";
      else if (twice) reason = `${domain.name} also has it in a CD-ROM or floppy drive`;
      else if (dep && dependentsAny(dep)) reason = usedReason(dep);
      else if (!inPool.has(d.path)) reason = "not in a libvirt storage pool";
      return { ...d, deletable: reason === null, reason, usedBy };
    }),
  };
}

/** "used by A, B (in a backing chain)", then what else reads the file (templates, overlay volumes, tasks). */
function usedReason(d: Dependents): string {
  const parts: string[] = [];
  const names = [...new Set(d.vms.map((v) => v.name))];
  if (names.length)
    parts.push(`used by ${names.join(", ")}${d.vms.some((v) => v.via === "backing") ? " (in a backing chain)" : ""}`);
  const rest = dependentsDescribe({ ...d, vms: [] });
  if (rest.length) parts.push(`read by ${rest.join("; ")}`);
  return parts.join("; ");
}

export async function vmDeletePlan(hostId: string, vmUuid: string): Promise<VmDeletePlan> {
  return plan(await storageClient(hostId), vmUuid);
}

/** Refuses what the plan forbids, with the reason; returns the plan. */
function check(p: VmDeletePlan, volumes: string[]): void {
  for (const path of volumes) {
    const disk = p.disks.find((d) => d.path === path);
    if (!disk) throw new AppError("invalid_input", `${path} is not a disk of ${p.vmName}`);
    if (!disk.deletable) throw new AppError("conflict", `Refusing to delete ${path}: ${disk.reason}`);
  }
}

export async function vmDeleteEnqueue(
  caller: Caller,
  hostId: string,
  vmUuid: string,
  volumes: string[],
): Promise<TaskView> {
  const client = await storageClient(hostId);
  const host = client.host;
  const p = await plan(client, vmUuid);
  const unique = [...new Set(volumes)];
  check(p, unique);
  return taskEnqueue(caller, {
    kind: VM_DELETE_KIND,
    title: unique.length ? `Delete ${p.vmName} and ${unique.length} volume(s)` : `Delete ${p.vmName}`,
    titleMessage: { key: "titles.vmDelete", params: { name: p.vmName, volumes: unique.length } },
    hostId: host.id,
    vmUuid: p.vmUuid,
    input: {
      hostId: host.id,
      vmUuid: p.vmUuid,
      volumes: unique,
      userId: caller.principal.user.id,
      username: caller.principal.user.username,
      ip: caller.ip,
    },
  });
}

async function run(ctx: TaskContext) {
  const input = InputSchema.extend({ userId: z.string(), username: z.string(), ip: z.string() }).parse(ctx.input);
  const client = await storageClient(input.hostId);
  const host = client.host;
  await ctx.progress(5, msg("steps.volumesChecking"));
  const p = await plan(client, input.vmUuid);
  // Checked again at run time: what became unfit since the request is kept, and named in the log.
  const kept: { path: string; reason: string }[] = [];
  const chosen = input.volumes.filter((path) => {
    const disk = p.disks.find((d) => d.path === path);
    if (disk?.deletable) return true;
    kept.push({ path, reason: disk ? disk.reason! : `not a disk of ${p.vmName}` });
    return false;
  });
  for (const d of p.disks) {
    if (d.path && !input.volumes.includes(d.path) && !kept.some((k) => k.path === d.path))
      kept.push({ path: d.path, reason: d.deletable ? "not selected" : d.reason! });
  }
  const step = async (what: MessageRef, r: { ok: boolean; stderr: string }) => {
    if (!r.ok) throw new AppError("host_error", `${host.name}: ${taskTextEnglish(what)}: ${virshMessage(r.stderr)}`);
    await ctx.log(what);
  };
  if (p.state !== "shut off") {
    await ctx.progress(15, msg("steps.vmStopping"));
    await step(
      msg("lines.forcedOff", { name: p.vmName }),
      await domainLifecycleTry({ host: client, uuid: p.vmUuid, verb: "destroy" }),
    );
  }
  await ctx.progress(30, msg("steps.undefining"));
  const flags = ["--managed-save", "--snapshots-metadata", "--checkpoints-metadata"];
  const u = await domainUndefineTry({ host: client, uuid: p.vmUuid, flags: [...flags, "--nvram"] });
  const undefined_ = (withMetadata: boolean) =>
    msg("lines.undefined", {
      name: p.vmName,
      managedSave: withMetadata && p.hasManagedSave ? "yes" : "no",
      snapshots: withMetadata && p.hasSnapshots ? "yes" : "no",
    });
  if (!u.ok) await step(undefined_(false), await domainUndefineTry({ host: client, uuid: p.vmUuid, flags }));
  else await ctx.log(undefined_(true));
  inventoryInvalidate(host.id, "*");
  // Grants and tags on this VM die with it.
  await vmAccessForget(host.id, p.vmUuid);
  // It no longer counts against its creator's quota.
  await quotaRelease(host.id, p.vmUuid);
  // Once more with the VM gone, right before deleting: another domain, template or task may have taken a volume up meanwhile.
  const deps = await volumeDependents(host, chosen, { exceptVm: p.vmUuid });
  const deleted: string[] = [];
  for (const [i, path] of chosen.entries()) {
    const dep = deps.get(path);
    if (dep && dependentsAny(dep)) {
      kept.push({ path, reason: usedReason(dep) });
      continue;
    }
    await ctx.progress(40 + (55 * i) / Math.max(1, chosen.length), msg("steps.volumeDeleting", { path }));
    await step(msg("lines.volumeDeleted", { path }), await volumeDeleteTry({ host: client, ref: { path } }));
    deleted.push(path);
  }
  for (const k of kept) await ctx.log(msg("lines.volumeKept", { path: k.path, reason: k.reason }));
  await auditRecord({
    actor: { id: input.userId, name: input.username },
    action: "vm.delete",
    target: { type: "vm", id: `${host.id}/${p.vmUuid}`, name: p.vmName },
    ip: input.ip,
    details: {
      hostId: host.id,
      volumes: deleted,
      keptVolumes: kept.map((k) => k.path),
      managedSave: p.hasManagedSave,
      snapshots: p.hasSnapshots,
    },
  });
  await ctx.progress(100, msg("steps.deleted"));
  return { vmName: p.vmName, deletedVolumes: deleted, keptVolumes: kept.map((k) => k.path) };
}

taskHandlerRegister(VM_DELETE_KIND, run);
