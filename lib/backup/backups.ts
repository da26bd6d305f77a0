import "server-only";
import { hostPlacementRequire } from "@/lib/fleet/host-maintenance";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import {
  BackupRunSchema,
  RestoreSchema,
  type BackupPointView,
  type BackupRunInput,
  type RestoreInput,
} from "@/lib/contracts/backup";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { db } from "@/lib/db/client";
import { inventoryGet } from "@/lib/fleet/inventory";
import { AppError } from "@/lib/http/errors";
import type { TaskView } from "@/lib/contracts/tasks";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { TASK_KIND_BACKUP, TASK_KIND_RESTORE, TASK_KIND_VERIFY, type StoredDisk } from "./kinds";
// The task handlers register themselves: whoever queues a backup, restore or verify has them.
import "./run";
import "./restore";
import { z } from "zod";

/**
 * Backups of one VM: run one now (`backup.manage` on the VM), list its points (`backup.manage` or
 * `backup.restore` on it), restore a point as a new VM (`backup.restore` on the VM it was taken
 * from and `vm.create` on the target host), verify a point (`backup.manage`). Every start is
 * audited; the work runs as tasks (lib/backup/run.ts, restore.ts).
 */

export function vmUuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

function pointIdOf(raw: string): string {
  if (!z.uuid().safeParse(raw).success) throw new AppError("not_found", "No such backup point");
  return raw;
}

type PointRow = Awaited<ReturnType<typeof pointRows>>[number];
function pointRows(where: { hostId?: string; vmUuid?: string; id?: string }) {
  return db().backupPoint.findMany({
    where,
    include: { repository: { select: { name: true } } },
    orderBy: { createdAt: "desc" },
  });
}

export function pointView(p: PointRow): BackupPointView {
  return {
    id: p.id,
    repositoryId: p.repositoryId,
    repositoryName: p.repository.name,
    hostId: p.hostId,
    vmUuid: p.vmUuid,
    vmName: p.vmName,
    kind: p.kind === "incremental" ? "incremental" : "full",
    parentId: p.parentId,
    method: p.method,
    disks: (p.disks as unknown as StoredDisk[]).map((d) => ({
      target: d.target,
      file: d.file,
      sourceFormat: d.sourceFormat,
      fileSize: d.fileSize,
      bytes: d.bytes,
      sha256: d.sha256,
    })),
    bytes: Number(p.bytes),
    createdAt: p.createdAt.toISOString(),
    verifiedAt: p.verifiedAt?.toISOString() ?? null,
  };
}

async function vmOf(hostId: string, uuid: string): Promise<{ name: string; state: string }> {
  const inv = await inventoryGet(hostId, { maxAgeMs: 0 });
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  return { name: vm.name, state: vm.state };
}

/** Starts a backup of a VM into a repository now (the backup.run task). */
export async function backupStart(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  raw: BackupRunInput,
  opts: { jobId?: string } = {},
): Promise<TaskView> {
  const uuid = vmUuidOf(rawUuid);
  const input = BackupRunSchema.parse(raw);
  await authorizeOrThrow(caller.principal, "backup.manage", { hostId, vmUuid: uuid });
  const repo = await db().backupRepository.findUnique({ where: { id: input.repositoryId } });
  if (!repo)
    throw new AppError("invalid_input", "No such repository", {
      issues: [{ path: "repositoryId", message: "No such repository" }],
    });
  const vm = await vmOf(hostId, uuid);
  return backupEnqueue(caller, {
    hostId,
    uuid,
    vmName: vm.name,
    repositoryId: repo.id,
    repositoryName: repo.name,
    jobId: opts.jobId ?? null,
  });
}

/** Queues the backup task (a user's, or a schedule's with caller null) and audits it. */
export async function backupEnqueue(
  caller: Caller | null,
  o: {
    hostId: string;
    uuid: string;
    vmName: string;
    repositoryId: string;
    repositoryName: string;
    jobId: string | null;
  },
): Promise<TaskView> {
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_BACKUP,
    title: `Back up ${o.vmName} to ${o.repositoryName}`,
    titleMessage: { key: "titles.backupRun", params: { vm: o.vmName, repository: o.repositoryName } },
    hostId: o.hostId,
    vmUuid: o.uuid,
    input: { repositoryId: o.repositoryId, hostId: o.hostId, vmUuid: o.uuid, vmName: o.vmName, jobId: o.jobId },
  });
  await auditRecord({
    actor: caller?.actor ?? null,
    action: "backup.start",
    target: { type: "vm", id: `${o.hostId}/${o.uuid}`, name: o.vmName },
    ip: caller?.ip ?? "",
    details: { repositoryId: o.repositoryId, repository: o.repositoryName, taskId: task.id, jobId: o.jobId },
  });
  return task;
}

/** Points of a VM, newest first. */
export async function pointList(caller: Caller, hostId: string, rawUuid: string): Promise<BackupPointView[]> {
  const uuid = vmUuidOf(rawUuid);
  await authorizeOrThrow(caller.principal, "backup.restore", { hostId, vmUuid: uuid });
  return (await pointRows({ hostId, vmUuid: uuid })).map(pointView);
}

/** A point of the VM named by the request (404 for another VM's point), with the privilege on that VM. */
async function pointFor(
  caller: Caller,
  vm: { hostId: string; uuid: string },
  rawId: string,
  privilege: "backup.manage" | "backup.restore",
) {
  const uuid = vmUuidOf(vm.uuid);
  await authorizeOrThrow(caller.principal, privilege, { hostId: vm.hostId, vmUuid: uuid });
  const id = pointIdOf(rawId);
  const [p] = await pointRows({ id, hostId: vm.hostId, vmUuid: uuid });
  if (!p) throw new AppError("not_found", "No such backup point");
  return p;
}

/** Restores a point as a new VM (new name, UUID and MACs) on any host the caller may create VMs on. */
export async function restoreStart(
  caller: Caller,
  vm: { hostId: string; uuid: string },
  rawId: string,
  raw: RestoreInput,
): Promise<TaskView> {
  const p = await pointFor(caller, vm, rawId, "backup.restore");
  const input = RestoreSchema.parse(raw);
  if (!(await authorize(caller.principal, "vm.create", { hostId: input.hostId })))
    throw new AppError("forbidden", "Restoring creates a VM: you need the right to create VMs on the target host");
  await hostPlacementRequire(input.hostId, "hostId");
  const inv = await inventoryGet(input.hostId);
  if (inv.vms.some((v) => v.name === input.name))
    throw new AppError("conflict", "This name is taken on this host", {
      issues: [{ path: "name", message: "This name is taken on this host" }],
    });
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_RESTORE,
    title: `Restore ${p.vmName} (${p.createdAt.toISOString()}) as ${input.name}`,
    titleMessage: {
      key: "titles.backupRestore",
      params: { vm: p.vmName, when: p.createdAt.getTime(), name: input.name },
    },
    hostId: input.hostId,
    input: { pointId: p.id, hostId: input.hostId, name: input.name, pool: input.pool, start: input.start },
  });
  await auditRecord({
    actor: caller.actor,
    action: "backup.restore",
    target: { type: "vm", id: `${p.hostId}/${p.vmUuid}`, name: p.vmName },
    ip: caller.ip,
    details: { pointId: p.id, toHostId: input.hostId, name: input.name, pool: input.pool, taskId: task.id },
  });
  return task;
}

export async function verifyStart(
  caller: Caller,
  vm: { hostId: string; uuid: string },
  rawId: string,
): Promise<TaskView> {
  const p = await pointFor(caller, vm, rawId, "backup.manage");
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_VERIFY,
    title: `Verify backup of ${p.vmName} (${p.createdAt.toISOString()})`,
    titleMessage: { key: "titles.backupVerify", params: { vm: p.vmName, when: p.createdAt.getTime() } },
    hostId: p.hostId,
    vmUuid: p.vmUuid,
    input: { pointId: p.id },
  });
  await auditRecord({
    actor: caller.actor,
    action: "backup.verify",
    target: { type: "vm", id: `${p.hostId}/${p.vmUuid}`, name: p.vmName },
    ip: caller.ip,
    details: { pointId: p.id, taskId: task.id },
  });
  return task;
}
