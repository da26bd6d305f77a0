import "server-only";
import { randomUUID } from "node:crypto";
import type PgBoss from "pg-boss";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { BackupJobCreateSchema, type BackupJobCreateInput, type BackupJobView } from "@/lib/contracts/backup";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { childLogger } from "@/lib/log";
import type { TaskView } from "@/lib/contracts/tasks";
import { taskQueue } from "@/lib/tasks/queue";
import { inventoryGet } from "@/lib/fleet/inventory";
import { backupEnqueue, vmUuidOf } from "./backups";

/**
 * Backup jobs: one VM into one repository, on a cron schedule, with retention (keep N daily /
 * weekly / monthly). The schedule is pg-boss's own (stored in PostgreSQL; one instance per minute
 * turns it into a job, so N instances run a job once), on a queue per job named
 * `virtdeck-backup-job-<id>`; its worker queues the backup task as a system task. Retention runs
 * after each backup the job made (lib/backup/run.ts calls backupJobAfterRun).
 */
const log = () => childLogger("backup-jobs");
export const jobQueueName = (id: string) => `virtdeck-backup-job-${id}`;

function jobIdOf(raw: string): string {
  if (!z.uuid().safeParse(raw).success) throw new AppError("not_found", "No such backup job");
  return raw;
}

type Row = NonNullable<Awaited<ReturnType<typeof rowGet>>>;
function rowGet(id: string) {
  return db().backupJob.findUnique({ where: { id }, include: { repository: { select: { name: true } } } });
}

function view(r: Row): BackupJobView {
  return {
    id: r.id,
    name: r.name,
    hostId: r.hostId,
    vmUuid: r.vmUuid,
    repositoryId: r.repositoryId,
    repositoryName: r.repository.name,
    schedule: r.schedule,
    keepDaily: r.keepDaily,
    keepWeekly: r.keepWeekly,
    keepMonthly: r.keepMonthly,
    enabled: r.enabled,
    lastRunAt: r.lastRunAt?.toISOString() ?? null,
  };
}

/** Registers (or removes) the job's schedule and this instance's worker for it. */
async function scheduleApply(
  job: { id: string; schedule: string | null; enabled: boolean },
  boss?: PgBoss,
): Promise<void> {
  const b = boss ?? (await taskQueue());
  const q = jobQueueName(job.id);
  if (!job.schedule || !job.enabled) {
    await b.unschedule(q).catch(() => {});
    return;
  }
  await b.createQueue(q, { name: q, retryLimit: 0, expireInSeconds: 15 * 60, retentionDays: 1 });
  await b.schedule(q, job.schedule, { jobId: job.id }, { tz: "UTC" });
  if (!workers.has(q)) {
    workers.add(q);
    await b.work(q, { batchSize: 1, pollingIntervalSeconds: 30 }, async () => {
      await backupJobFire(job.id);
    });
  }
}
const workers = new Set<string>();

/** Called by the schedule: queues the job's backup as a system task (no caller). */
export async function backupJobFire(id: string): Promise<TaskView | null> {
  const job = await db().backupJob.findUnique({ where: { id }, include: { repository: true } });
  if (!job || !job.enabled) return null;
  const inv = await inventoryGet(job.hostId).catch(() => null);
  const vm = inv?.vms.find((v) => v.uuid === job.vmUuid);
  if (!vm) {
    log().warn({ jobId: id }, "backup job: its VM is gone");
    return null;
  }
  await db().backupJob.update({ where: { id }, data: { lastRunAt: new Date() } });
  return backupEnqueue(null, {
    hostId: job.hostId,
    uuid: job.vmUuid,
    vmName: vm.name,
    repositoryId: job.repositoryId,
    repositoryName: job.repository.name,
    jobId: job.id,
  });
}

/** Registers every job's schedule on this instance (at start). Never throws. */
export async function backupJobsStart(): Promise<void> {
  try {
    const boss = await taskQueue();
    for (const j of await db().backupJob.findMany({ where: { enabled: true, schedule: { not: null } } }))
      await scheduleApply(j, boss);
  } catch (err) {
    log().error({ err }, "backup jobs: schedules not registered");
  }
}

/** Jobs of the VMs where the caller holds backup.manage. */
export async function backupJobList(caller: Caller): Promise<BackupJobView[]> {
  await authorizeOrThrow(caller.principal, "backup.manage", "anywhere");
  const rows = await db().backupJob.findMany({
    include: { repository: { select: { name: true } } },
    orderBy: { name: "asc" },
  });
  const ok = await Promise.all(
    rows.map((r) => authorize(caller.principal, "backup.manage", { hostId: r.hostId, vmUuid: r.vmUuid })),
  );
  return rows.filter((_, i) => ok[i]).map(view);
}

export async function backupJobCreate(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  raw: BackupJobCreateInput,
): Promise<BackupJobView> {
  const uuid = vmUuidOf(rawUuid);
  await authorizeOrThrow(caller.principal, "backup.manage", { hostId, vmUuid: uuid });
  const input = { ...BackupJobCreateSchema.parse(raw), hostId, vmUuid: uuid };
  if (!(await db().backupRepository.findUnique({ where: { id: input.repositoryId } })))
    throw new AppError("invalid_input", "No such repository", {
      issues: [{ path: "repositoryId", message: "No such repository" }],
    });
  if (await db().backupJob.findUnique({ where: { name: input.name } }))
    throw new AppError("conflict", "A backup job of this name exists", {
      issues: [{ path: "name", message: "Taken" }],
    });
  const inv = await inventoryGet(hostId);
  if (!inv.vms.some((v) => v.uuid === uuid)) throw new AppError("not_found", "VM not found");
  const id = randomUUID();
  await db().backupJob.create({ data: { id, ...input, createdByName: caller.actor.name } });
  await scheduleApply({ id, schedule: input.schedule, enabled: input.enabled });
  await auditRecord({
    actor: caller.actor,
    action: "backup.job.create",
    target: { type: "backup-job", id, name: input.name },
    ip: caller.ip,
    details: { ...input },
  });
  return view((await rowGet(id))!);
}

type VmRef = { hostId: string; uuid: string };

/** A job of the VM named by the request (404 for another VM's job), with backup.manage on that VM. */
async function jobFor(caller: Caller, vm: VmRef, rawId: string) {
  const uuid = vmUuidOf(vm.uuid);
  await authorizeOrThrow(caller.principal, "backup.manage", { hostId: vm.hostId, vmUuid: uuid });
  const id = jobIdOf(rawId);
  const job = await db().backupJob.findUnique({ where: { id }, include: { repository: true } });
  if (!job || job.hostId !== vm.hostId || job.vmUuid !== uuid) throw new AppError("not_found", "No such backup job");
  return job;
}

export async function backupJobDelete(caller: Caller, vm: VmRef, rawId: string): Promise<void> {
  const job = await jobFor(caller, vm, rawId);
  const id = job.id;
  await scheduleApply({ id, schedule: null, enabled: false });
  await db().backupJob.delete({ where: { id } });
  await auditRecord({
    actor: caller.actor,
    action: "backup.job.delete",
    target: { type: "backup-job", id, name: job.name },
    ip: caller.ip,
  });
}

/** Runs a job now (the caller's own task). */
export async function backupJobRunNow(caller: Caller, vm: VmRef, rawId: string): Promise<TaskView> {
  const job = await jobFor(caller, vm, rawId);
  const id = job.id;
  const inv = await inventoryGet(job.hostId, { maxAgeMs: 0 });
  const found = inv.vms.find((v) => v.uuid === job.vmUuid);
  if (!found) throw new AppError("not_found", "VM not found");
  await db().backupJob.update({ where: { id }, data: { lastRunAt: new Date() } });
  return backupEnqueue(caller, {
    hostId: job.hostId,
    uuid: job.vmUuid,
    vmName: found.name,
    repositoryId: job.repositoryId,
    repositoryName: job.repository.name,
    jobId: job.id,
  });
}

export { backupJobRetention } from "./retention-run";
