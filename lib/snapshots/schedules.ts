import "server-only";
import type PgBoss from "pg-boss";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { authorizeOrThrow } from "@/lib/authz";
import { callerOf, type Caller } from "@/lib/authz/caller";
import {
  SnapshotScheduleSpecSchema,
  type SnapshotScheduleSpecInput,
  type SnapshotScheduleView,
} from "@/lib/contracts/snapshot";
import { db } from "@/lib/db/client";
import type { SnapshotSchedule } from "@/lib/generated/prisma/client";
import { AppError, fromZodError } from "@/lib/http/errors";
import { childLogger } from "@/lib/log";
import { taskQueue } from "@/lib/tasks/queue";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { snapshotDelete } from "@/lib/virt/snapshot";
import { virshMessage } from "@/lib/hosts/client-errors";
import { inventoryInvalidate } from "@/lib/fleet/inventory";
import {
  retentionVictims,
  scheduledSnapshotName,
  scheduleNextRun,
  scheduleNextRuns,
  type ScheduleEvery,
} from "./schedule-times";
import { snapshotCreateRun } from "./snapshot-tasks";
import { handlerAudit, snapshotVmRead } from "./vm";

/**
 * Scheduled snapshots with retention, per VM. The queue's own scheduler drives them: a pg-boss cron
 * schedule ticks every minute on its own queue (pg-boss lets one instance per minute turn it into a
 * job, so N instances tick once); the tick claims each due schedule atomically (its nextRunAt moves
 * forward only for the instance whose update matched) and queues one task per run. The task takes
 * the snapshot (as the schedule's creator, who must still hold vm.snapshot on the VM), records it as
 * the schedule's, then deletes the schedule's oldest snapshots beyond `keep`: never a snapshot the
 * schedule did not make. Failures end the task failed and are audited.
 */
export const SNAPSHOT_SCHEDULE_QUEUE = "virtdeck-snapshot-schedules";
export const SNAPSHOT_SCHEDULED_KIND = "vm.snapshot.scheduled";
const TICK_CRON = "* * * * *";
const NEXT_RUNS_SHOWN = 5;

const log = () => childLogger("snapshot-schedules");

type Row = SnapshotSchedule;

function everyOf(row: Pick<Row, "everyHours" | "dailyAtMinute">): ScheduleEvery {
  if (row.everyHours) return { mode: "hours", hours: row.everyHours };
  const m = row.dailyAtMinute ?? 0;
  return { mode: "daily", at: `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}` };
}

async function viewOf(row: Row, now = new Date()): Promise<SnapshotScheduleView> {
  const [task, count] = await Promise.all([
    row.lastTaskId
      ? db().task.findUnique({ where: { id: row.lastTaskId }, select: { id: true, status: true, error: true } })
      : null,
    db().scheduledSnapshot.count({ where: { scheduleId: row.id } }),
  ]);
  const every = everyOf(row);
  // The first run shown is the one the scheduler will do: nextRunAt (may be "now" when overdue).
  const first = row.nextRunAt;
  return {
    id: row.id,
    kind: row.kind === "external" ? "external" : "internal",
    every,
    keep: row.keep,
    nextRuns: [first, ...scheduleNextRuns(every, first < now ? now : first, NEXT_RUNS_SHOWN - 1)].map((d) =>
      d.toISOString(),
    ),
    lastRunAt: row.lastRunAt?.toISOString() ?? null,
    lastTask: task ? { id: task.id, status: task.status, error: task.error } : null,
    snapshots: count,
  };
}

const vmTarget = (hostId: string, vmUuid: string) => ({ hostId, vmUuid });
const lower = (u: string) => u.toLowerCase();

function validId(id: string): string {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such schedule");
  return id.toLowerCase();
}

/** The VM's snapshot schedules with their next runs (vm.view). */
export async function snapshotSchedulesOf(
  caller: Caller,
  hostId: string,
  vmUuid: string,
): Promise<SnapshotScheduleView[]> {
  await authorizeOrThrow(caller.principal, "vm.view", vmTarget(hostId, vmUuid));
  if (!z.uuid().safeParse(hostId).success) return [];
  const rows = await db().snapshotSchedule.findMany({
    where: { hostId, vmUuid: lower(vmUuid) },
    orderBy: { createdAt: "asc" },
  });
  return Promise.all(rows.map((r) => viewOf(r)));
}

function scheduleAudit(caller: Caller, hostId: string, vmUuid: string, vmName: string) {
  return (action: string, details: Record<string, unknown>) =>
    auditRecord({
      actor: caller.actor,
      action: `vm.snapshot.schedule.${action}`,
      target: { type: "vm", id: `${hostId}/${lower(vmUuid)}`, name: vmName },
      ip: caller.ip,
      details,
    });
}

/** A new schedule on the VM (vm.snapshot); the VM must exist now. */
export async function snapshotScheduleCreate(
  caller: Caller,
  hostId: string,
  vmUuid: string,
  input: SnapshotScheduleSpecInput,
): Promise<SnapshotScheduleView> {
  await authorizeOrThrow(caller.principal, "vm.snapshot", vmTarget(hostId, vmUuid));
  const parsed = SnapshotScheduleSpecSchema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  const spec = parsed.data;
  const vm = await snapshotVmRead(hostId, vmUuid);
  const [h, m] = spec.every.mode === "daily" ? (spec.every.at.split(":").map(Number) as [number, number]) : [0, 0];
  const row = await db().snapshotSchedule.create({
    data: {
      hostId,
      vmUuid: vm.uuid,
      kind: spec.kind,
      everyHours: spec.every.mode === "hours" ? spec.every.hours : null,
      dailyAtMinute: spec.every.mode === "daily" ? h * 60 + m : null,
      keep: spec.keep,
      nextRunAt: scheduleNextRun(spec.every, new Date()),
      createdById: caller.actor.id,
    },
  });
  await scheduleAudit(caller, hostId, vm.uuid, vm.name)("create", { scheduleId: row.id, ...spec });
  return viewOf(row);
}

/** Removes a schedule (vm.snapshot); the snapshots it made stay. */
export async function snapshotScheduleDelete(
  caller: Caller,
  hostId: string,
  vmUuid: string,
  rawId: string,
): Promise<void> {
  await authorizeOrThrow(caller.principal, "vm.snapshot", vmTarget(hostId, vmUuid));
  const id = validId(rawId);
  const row = await db().snapshotSchedule.findFirst({ where: { id, hostId, vmUuid: lower(vmUuid) } });
  if (!row) throw new AppError("not_found", "No such schedule");
  await db().snapshotSchedule.delete({ where: { id } });
  const name = await snapshotVmRead(hostId, vmUuid)
    .then((v) => v.name)
    .catch(() => "");
  await scheduleAudit(caller, hostId, vmUuid, name)("delete", { scheduleId: id });
}

// --- the tick and the task ------------------------------------------------------------------

/**
 * One tick: every enabled schedule due at `now` is claimed (compare-and-set on nextRunAt) and gets a
 * task. Returns the ids of the tasks queued.
 */
export async function snapshotSchedulesTick(now = new Date()): Promise<string[]> {
  const due = await db().snapshotSchedule.findMany({ where: { enabled: true, nextRunAt: { lte: now } } });
  const queued: string[] = [];
  for (const row of due) {
    const claimed = await db().snapshotSchedule.updateMany({
      where: { id: row.id, nextRunAt: row.nextRunAt },
      data: { nextRunAt: scheduleNextRun(everyOf(row), now), lastRunAt: now },
    });
    if (claimed.count !== 1) continue;
    try {
      const creator = row.createdById
        ? await db().user.findUnique({ where: { id: row.createdById }, select: { id: true, username: true } })
        : null;
      if (!creator) throw new Error("the schedule's creator no longer exists");
      const caller = callerOf({ kind: "session", user: creator, sessionId: null }, "");
      const name = scheduledSnapshotName(row.nextRunAt);
      const task = await taskEnqueue(caller, {
        kind: SNAPSHOT_SCHEDULED_KIND,
        title: `Scheduled snapshot ${name}`,
        titleMessage: { key: "titles.snapshotScheduled", params: { name } },
        hostId: row.hostId,
        vmUuid: row.vmUuid,
        input: { scheduleId: row.id, name, userId: creator.id, username: creator.username, ip: "" },
      });
      await db().snapshotSchedule.update({ where: { id: row.id }, data: { lastTaskId: task.id } });
      queued.push(task.id);
    } catch (err) {
      log().error({ err, scheduleId: row.id }, "snapshot schedule: run not queued");
      await auditRecord({
        actor: null,
        action: "vm.snapshot.schedule.run",
        outcome: "failure",
        target: { type: "vm", id: `${row.hostId}/${row.vmUuid}`, name: "" },
        details: { scheduleId: row.id, error: err instanceof Error ? err.message : String(err) },
      });
    }
  }
  return queued;
}

const ScheduledInput = z.object({
  scheduleId: z.string(),
  name: z.string(),
  userId: z.string(),
  username: z.string(),
  ip: z.string(),
});

async function runScheduled(ctx: TaskContext) {
  const input = ScheduledInput.parse(ctx.input);
  const row = await db().snapshotSchedule.findUnique({ where: { id: input.scheduleId } });
  if (!row) throw new AppError("not_found", "The schedule was removed");
  // The creator's rights today, not when the schedule was made.
  const caller = callerOf(
    { kind: "session", user: { id: input.userId, username: input.username }, sessionId: null },
    "",
  );
  await authorizeOrThrow(caller.principal, "vm.snapshot", vmTarget(row.hostId, row.vmUuid)).catch(() => {
    throw new AppError("forbidden", `${input.username} no longer may take snapshots of this VM`);
  });
  await ctx.progress(5, msg("steps.snapshotChecking"));
  const vm = await snapshotVmRead(row.hostId, row.vmUuid);
  const audit = handlerAudit({ ...input, hostId: row.hostId }, vm);
  const req = { name: input.name, kind: row.kind === "external" ? ("external" as const) : ("internal" as const) };
  await snapshotCreateRun({ vm, req, audit, ctx, scheduleId: row.id });
  await db().scheduledSnapshot.create({
    data: { scheduleId: row.id, hostId: row.hostId, vmUuid: row.vmUuid, name: input.name },
  });

  // Retention: only this schedule's own snapshots, oldest beyond `keep` first.
  const after = await snapshotVmRead(row.hostId, row.vmUuid);
  const present = new Set(after.snapshots.map((s) => s.name));
  const made = await db().scheduledSnapshot.findMany({ where: { scheduleId: row.id } });
  const gone = made.filter((m) => !present.has(m.name));
  if (gone.length) await db().scheduledSnapshot.deleteMany({ where: { id: { in: gone.map((g) => g.id) } } });
  const victims = retentionVictims(
    made.filter((m) => present.has(m.name)),
    row.keep,
  );
  const removed: string[] = [];
  for (const v of victims) {
    const s = after.snapshots.find((x) => x.name === v.name)!;
    await ctx.log(msg("lines.snapshotRetention", { name: v.name, keep: row.keep }));
    // Internal: this snapshot only (its children move up to its parent); external: merged into its parent.
    const r = await snapshotDelete({ host: vm.client, uuid: vm.uuid, name: v.name });
    const details = {
      snapshot: v.name,
      mode: s.location === "internal" ? "single" : "merge",
      scheduleId: row.id,
      retention: true,
    };
    if (!r.ok) {
      await audit("delete", "failure", { ...details, error: virshMessage(r.stderr) });
      throw new AppError(
        "action_failed",
        `${vm.client.host.name}: retention could not delete ${v.name}: ${virshMessage(r.stderr)}`,
      );
    }
    await db().scheduledSnapshot.delete({ where: { id: v.id } });
    await audit("delete", "success", details);
    removed.push(v.name);
  }
  inventoryInvalidate(row.hostId, "*");
  await ctx.progress(100, msg("steps.snapshotCreated", { name: input.name }));
  return { name: input.name, removed };
}

taskHandlerRegister(SNAPSHOT_SCHEDULED_KIND, runScheduled);

const workers = new WeakMap<PgBoss, string>();

/** Registers the minute tick and this instance's worker for it. Never throws (logged; the next start tries again). */
export async function snapshotSchedulerStart(opts: { pollingIntervalSeconds?: number } = {}): Promise<string | null> {
  try {
    const boss: PgBoss = await taskQueue();
    const known = workers.get(boss);
    if (known) return known;
    await boss.createQueue(SNAPSHOT_SCHEDULE_QUEUE, {
      name: SNAPSHOT_SCHEDULE_QUEUE,
      retryLimit: 0,
      expireInSeconds: 5 * 60,
      retentionDays: 1,
    });
    await boss.schedule(SNAPSHOT_SCHEDULE_QUEUE, TICK_CRON);
    const id = await boss.work(
      SNAPSHOT_SCHEDULE_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 10 },
      async () => {
        await snapshotSchedulesTick();
      },
    );
    workers.set(boss, id);
    return id;
  } catch (err) {
    log().error({ err }, "snapshot schedules: not scheduled");
    return null;
  }
}
