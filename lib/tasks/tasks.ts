import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { authorize, type Principal } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TaskDetail, TaskLogLine, TaskView } from "@/lib/contracts/tasks";
import { TASK_QUEUE, taskQueue } from "./queue";
import {
  KindSchema,
  TaskCancelledError,
  callerFields,
  errorText,
  runtime,
  workerWake,
  titleFields,
  type TaskRow,
  type TaskSpec,
} from "./registry";
import { messageFields, msg } from "./task-text";

type TaskLogRow = Prisma.TaskLogGetPayload<object>;

/**
 * The task service callers use: list and read the tasks the caller may see, queue a task,
 * cancel one. Handlers, the runner and the workers live in registry.ts, runner.ts,
 * liveness.ts and workers.ts.
 */

/** A stored message's ICU arguments: null when it has no key. */
function messageParams(key: string | null, params: Prisma.JsonValue): Record<string, string | number> | null {
  return key ? ((params as Record<string, string | number> | null) ?? {}) : null;
}

export function toTaskView(row: TaskRow): TaskView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    titleKey: row.titleKey,
    titleParams: messageParams(row.titleKey, row.titleParams),
    status: row.status,
    progress: Math.round(row.progress * 10) / 10,
    message: row.message,
    messageKey: row.messageKey,
    messageParams: messageParams(row.messageKey, row.messageParams),
    hostId: row.hostId,
    vmUuid: row.vmUuid,
    userId: row.userId,
    username: row.username,
    cancellable: row.cancellable,
    cancelRequested: row.cancelRequestedAt !== null,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    error: row.error,
    result: (row.result as Record<string, unknown> | null) ?? null,
  };
}

/**
 * Whether `principal` sees everyone's tasks: only with user.manage at global scope among its
 * EFFECTIVE privileges (an API token's limit applied: a vm.view token of an admin sees only the
 * admin's own tasks). Used by the list, detail, cancel and the live stream.
 */
export async function taskSeesAll(principal: Principal): Promise<boolean> {
  return authorize(principal, "user.manage");
}

/** The tasks `principal` may see, as a filter: its own, or all (taskSeesAll). */
export async function taskVisibleWhere(principal: Principal): Promise<Prisma.TaskWhereInput> {
  return (await taskSeesAll(principal)) ? {} : { userId: principal.user.id };
}

export const TaskListQuerySchema = z.object({
  status: z.enum(["active", "finished", "all"]).default("all"),
  hostId: z.uuid().optional(),
  vmUuid: z.string().max(64).optional(),
  /** Only tasks changed after this instant (live updates). */
  since: z.coerce.date().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type TaskListQuery = z.infer<typeof TaskListQuerySchema>;

/** The tasks the caller may see (taskVisibleWhere: their effective privileges, a token's limit applied). */
export async function taskList(caller: Caller, query: Partial<TaskListQuery> = {}): Promise<TaskView[]> {
  const q = TaskListQuerySchema.parse(query);
  const where: Prisma.TaskWhereInput = { ...(await taskVisibleWhere(caller.principal)) };
  if (q.status === "active") where.status = { in: ["queued", "running"] };
  if (q.status === "finished") where.status = { in: ["succeeded", "failed", "cancelled"] };
  if (q.hostId) where.hostId = q.hostId;
  if (q.vmUuid) where.vmUuid = q.vmUuid.toLowerCase();
  if (q.since) where.updatedAt = { gt: q.since };
  const rows = await db().task.findMany({ where, orderBy: { createdAt: "desc" }, take: q.limit });
  return rows.map(toTaskView);
}

export async function taskGet(caller: Caller, id: string, opts: { logsAfter?: bigint } = {}): Promise<TaskDetail> {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such task");
  const row = await db().task.findFirst({ where: { id, ...(await taskVisibleWhere(caller.principal)) } });
  if (!row) throw new AppError("not_found", "No such task");
  const logs = await db().taskLog.findMany({
    where: { taskId: id, ...(opts.logsAfter !== undefined ? { id: { gt: opts.logsAfter } } : {}) },
    orderBy: { id: "asc" },
    take: 1000,
  });
  return { ...toTaskView(row), logs: logs.map(toLogLine) };
}

function toLogLine(l: TaskLogRow): TaskLogLine {
  return {
    id: l.id.toString(),
    at: l.at.toISOString(),
    line: l.line,
    lineKey: l.lineKey,
    lineParams: messageParams(l.lineKey, l.lineParams),
  };
}

// --- enqueue and cancel ---------------------------------------------------------------------

/** Records a task and queues it; any instance's worker runs it. `null`: a system task (a schedule). */
export async function taskEnqueue(caller: Caller | null, spec: TaskSpec): Promise<TaskView> {
  KindSchema.parse(spec.kind);
  const reg = runtime().handlers.get(spec.kind);
  if (!reg) throw new AppError("internal", `No task handler for ${spec.kind}`);
  const id = randomUUID();
  const row = await db().task.create({
    data: {
      id,
      kind: spec.kind,
      ...titleFields(spec),
      hostId: spec.hostId ?? null,
      vmUuid: spec.vmUuid?.toLowerCase() ?? null,
      input: spec.input as Prisma.InputJsonValue,
      cancellable: !!reg.opts.cancellable,
      ...callerFields(caller),
    },
  });
  let jobId: string | null;
  try {
    const boss = await taskQueue();
    jobId = await boss.send(TASK_QUEUE, { taskId: id });
    if (!jobId) throw new Error("the queue refused the job");
  } catch (err) {
    const failed = await db().task.update({
      where: { id },
      data: { status: "failed", error: `Could not queue the task: ${errorText(err)}`, finishedAt: new Date() },
    });
    return toTaskView(failed);
  }
  await db().task.update({ where: { id }, data: { jobId } });
  workerWake();
  await auditRecord({
    actor: caller?.actor ?? null,
    action: "task.start",
    target: { type: "task", id, name: spec.kind },
    ip: caller?.ip ?? "",
    details: { kind: spec.kind, title: spec.title, hostId: spec.hostId ?? null, vmUuid: spec.vmUuid ?? null },
  });
  return toTaskView({ ...row, jobId });
}

/**
 * Cancels a task: a queued one at once, a running one by asking its instance to abort it
 * (it ends "cancelled" when its handler stops). Refused for kinds that cannot be cancelled.
 */
export async function taskCancel(caller: Caller, id: string): Promise<TaskView> {
  if (!z.uuid().safeParse(id).success) throw new AppError("not_found", "No such task");
  const row = await db().task.findFirst({ where: { id, ...(await taskVisibleWhere(caller.principal)) } });
  if (!row) throw new AppError("not_found", "No such task");
  // Own task, or user.manage globally (effective): visibility implies it today; kept explicit.
  if (row.userId !== caller.principal.user.id && !(await taskSeesAll(caller.principal)))
    throw new AppError("not_found", "No such task");
  if (row.status !== "queued" && row.status !== "running") {
    throw new AppError("invalid_state", "The task has already finished");
  }
  if (!row.cancellable) throw new AppError("invalid_state", "This task cannot be cancelled");
  const now = new Date();
  // Queued: cancel it here unless a worker claims it first (then it is running: ask its worker).
  const direct = await db().task.updateMany({
    where: { id, status: "queued" },
    data: {
      status: "cancelled",
      cancelRequestedAt: now,
      finishedAt: now,
      ...messageFields(msg("steps.cancelledQueued")),
    },
  });
  if (direct.count === 1) {
    if (row.jobId) {
      const boss = await taskQueue().catch(() => null);
      await boss?.cancel(TASK_QUEUE, row.jobId).catch(() => {});
    }
  } else {
    await db().task.updateMany({
      where: { id, status: "running", cancelRequestedAt: null },
      data: { cancelRequestedAt: now },
    });
    // This instance may be the one running it: abort without waiting for the poll.
    runtime().running.get(id)?.controller.abort(new TaskCancelledError());
  }
  await auditRecord({
    actor: caller.actor,
    action: "task.cancel",
    target: { type: "task", id, name: row.kind },
    ip: caller.ip,
    details: { title: row.title },
  });
  const after = await db().task.findUniqueOrThrow({ where: { id } });
  return toTaskView(after);
}
