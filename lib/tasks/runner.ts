import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { dbRetry } from "@/lib/db/unavailable";
import { AppError } from "@/lib/http/errors";
import type { Prisma } from "@/lib/generated/prisma/client";
import { auditRecord } from "@/lib/audit/audit";
import { childLogger } from "@/lib/log";
import type { Caller } from "@/lib/authz/caller";
import type { TaskStatus, TaskView } from "@/lib/contracts/tasks";
import type { MessageRef } from "@/lib/contracts/messages";
import { toTaskView } from "./tasks";
import { ensureTimers } from "./liveness";
import { logLineFields, messageFields, msg, type TaskText } from "./task-text";
import {
  KindSchema,
  PROGRESS_WRITE_MS,
  TaskCancelledError,
  TaskShutdownError,
  callerFields,
  errorText,
  runtime,
  titleFields,
  type Registration,
  type TaskContext,
  type TaskHandler,
  type TaskRow,
  type TaskSpec,
} from "./registry";

/** Running one task in this process: its context (progress, log), the claim, the outcome. */

/** What tells two status messages apart: the English, or the key and its arguments. */
const messageId = (m: TaskText) => JSON.stringify(typeof m === "string" ? m : [m.key, m.params ?? {}]);

function makeContext(row: TaskRow, controller: AbortController) {
  const logs = taskLogWriter(row.id);
  let lastWrite = 0;
  let pending: { progress: number; message?: TaskText } | null = null;
  let trailing: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let lastMessage = messageId(
    row.messageKey ? { key: row.messageKey, params: row.messageParams as MessageRef["params"] } : row.message,
  );

  const write = (p: { progress: number; message?: TaskText }) => {
    lastWrite = Date.now();
    const data: Prisma.TaskUpdateInput = { progress: p.progress };
    if (p.message !== undefined) Object.assign(data, messageFields(p.message));
    chain = chain
      .then(() => db().task.updateMany({ where: { id: row.id, status: "running" }, data }))
      .then(
        () => {},
        (err) => console.error(`task ${row.id}: progress write failed: ${errorText(err)}`),
      );
    return chain;
  };
  const flush = async () => {
    if (trailing) clearTimeout(trailing);
    trailing = null;
    if (pending) {
      const p = pending;
      pending = null;
      await write(p);
    }
    await chain;
  };

  const ctx: TaskContext = {
    taskId: row.id,
    input: row.input,
    signal: controller.signal,
    progress(percent, message) {
      const progress = Math.max(0, Math.min(100, Number.isFinite(percent) ? percent : 0));
      const id = message === undefined ? undefined : messageId(message);
      const changedMessage = id !== undefined && id !== lastMessage;
      if (id !== undefined) lastMessage = id;
      const next = { progress, message: message ?? pending?.message };
      if (changedMessage || Date.now() - lastWrite >= PROGRESS_WRITE_MS) {
        pending = null;
        if (trailing) clearTimeout(trailing);
        trailing = null;
        return write(next);
      }
      pending = next;
      if (!trailing) trailing = setTimeout(() => void flush(), PROGRESS_WRITE_MS);
      return Promise.resolve();
    },
    log: (line) => logs.append(line),
  };
  return { ctx, flush, logs };
}

/** Log lines kept beyond this while the database is down are counted, not kept. */
const MAX_LOG_BACKLOG = 1_000;

/**
 * A task's log: lines are written in order; while the database is down they wait in a bounded
 * backlog, written with the next line or with the task's outcome. Appending never throws: a log
 * line that cannot be written must not abort the handler (nor skip its cleanup).
 */
function taskLogWriter(taskId: string) {
  const backlog: { line: TaskText; at: Date }[] = [];
  let lost = 0;
  let chain: Promise<void> = Promise.resolve();
  const writeOne = async (l: { line: TaskText; at: Date }) => {
    await db().taskLog.create({ data: { taskId, at: l.at, ...logLineFields(l.line) } });
  };
  const drainOnce = async () => {
    while (backlog.length) {
      await writeOne(backlog[0]);
      backlog.shift();
    }
    if (lost) {
      const n = lost;
      await writeOne({ line: msg("lines.lost", { count: n }), at: new Date() });
      lost -= n;
    }
  };
  return {
    append(line: TaskText): Promise<void> {
      if (backlog.length >= MAX_LOG_BACKLOG) lost++;
      else backlog.push({ line, at: new Date() });
      chain = chain.then(() =>
        drainOnce().catch((err) => console.error(`task ${taskId}: log write failed (kept): ${errorText(err)}`)),
      );
      return chain;
    },
    /** Writes what waits, retrying while the database is down (the task's end). */
    drain(giveUp: () => boolean): Promise<void> {
      chain = chain
        .then(() => dbRetry(drainOnce, { giveUp }))
        .catch((err) => console.error(`task ${taskId}: log lines not written: ${errorText(err)}`));
      return chain;
    },
  };
}

/**
 * Runs a claimed task (status already "running" for this instance) to its end and records the
 * outcome. Never throws.
 */
export async function execute(row: TaskRow, reg: Registration | undefined): Promise<void> {
  const rt = runtime();
  const controller = new AbortController();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  rt.running.set(row.id, { controller, done });
  const { ctx, flush, logs } = makeContext(row, controller);
  let status: TaskStatus;
  let error: string | null = null;
  let result: Record<string, unknown> | null = null;
  try {
    if (!reg) throw new Error(`No handler for task kind ${row.kind} on this instance`);
    const out = await reg.handler(ctx);
    result = out ?? null;
    status = "succeeded";
  } catch (err) {
    const reason = controller.signal.aborted ? controller.signal.reason : undefined;
    if (reason instanceof TaskCancelledError) {
      status = "cancelled";
      error = null;
    } else if (reason instanceof TaskShutdownError) {
      status = "failed";
      error = reason.message;
    } else {
      status = "failed";
      error = errorText(err);
    }
  }
  await flush().catch(() => {});
  if (status === "failed") childLogger("tasks").error({ taskId: row.id, kind: row.kind, error }, "task failed");
  const finishedAt = new Date();
  // The outcome is the task's record: while the database is down it is retried with backoff (the
  // task stays in `running` here, so this instance keeps its heartbeat and no sweep takes it for
  // dead), and written once the database is back. Given up only when the instance stops.
  const giveUp = () => rt.stopping;
  try {
    if (error) await ctx.log(msg("lines.error", { error }));
    await logs.drain(giveUp);
    await dbRetry(
      () =>
        db().task.updateMany({
          where: { id: row.id, workerId: rt.instanceId, status: "running" },
          data: {
            status,
            error,
            result: result === null ? undefined : (result as Prisma.InputJsonValue),
            finishedAt,
            heartbeatAt: new Date(),
            ...(status === "succeeded" ? { progress: 100 } : {}),
            ...(status === "cancelled" ? messageFields(msg("steps.cancelled")) : {}),
          },
        }),
      {
        giveUp,
        onRetry: (err, attempt) =>
          attempt === 1 &&
          childLogger("tasks").warn({ taskId: row.id, err }, "database unavailable: the task's outcome waits for it"),
      },
    );
  } catch (err) {
    childLogger("tasks").error({ taskId: row.id, kind: row.kind, err }, "could not record the task's outcome");
  } finally {
    rt.running.delete(row.id);
    resolveDone();
  }
}

/** Claims a queued task for this instance; null when another worker has it or it was cancelled. */
export async function claim(taskId: string): Promise<TaskRow | null> {
  const now = new Date();
  const claimed = await db().task.updateMany({
    where: { id: taskId, status: "queued" },
    data: { status: "running", startedAt: now, heartbeatAt: now, workerId: runtime().instanceId },
  });
  if (claimed.count !== 1) return null;
  return db().task.findUnique({ where: { id: taskId } });
}

/**
 * Runs a task in this process, bound to the current request instead of the queue: for work
 * whose input is a stream only this instance has (a browser upload). It is recorded, shown,
 * heartbeated, cancelled and resolved after a crash exactly like a queued task.
 */
export async function taskRunAttached(
  caller: Caller,
  spec: TaskSpec,
  handler?: TaskHandler,
): Promise<{ task: TaskView; done: Promise<TaskView> }> {
  KindSchema.parse(spec.kind);
  const reg = runtime().handlers.get(spec.kind);
  if (!reg && !handler) throw new AppError("internal", `No task handler for ${spec.kind}`);
  const registration: Registration = { handler: handler ?? reg!.handler, opts: reg?.opts ?? {} };
  if (runtime().stopping) throw new AppError("conflict", "virtdeck is shutting down");
  const now = new Date();
  const row = await db().task.create({
    data: {
      id: randomUUID(),
      kind: spec.kind,
      ...titleFields(spec),
      hostId: spec.hostId ?? null,
      vmUuid: spec.vmUuid?.toLowerCase() ?? null,
      input: spec.input as Prisma.InputJsonValue,
      cancellable: !!registration.opts.cancellable,
      status: "running",
      startedAt: now,
      heartbeatAt: now,
      workerId: runtime().instanceId,
      ...callerFields(caller),
    },
  });
  await auditRecord({
    actor: caller.actor,
    action: "task.start",
    target: { type: "task", id: row.id, name: spec.kind },
    ip: caller.ip,
    details: { kind: spec.kind, title: spec.title, hostId: spec.hostId ?? null, vmUuid: spec.vmUuid ?? null },
  });
  ensureTimers();
  const done = execute(row, registration).then(async () =>
    toTaskView(await db().task.findUniqueOrThrow({ where: { id: row.id } })),
  );
  return { task: toTaskView(row), done };
}
