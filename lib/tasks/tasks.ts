import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { authorize, type Principal } from "@/lib/authz";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError, isAppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import { childLogger } from "@/lib/log";
import type { ActiveSession } from "@/lib/auth/session";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { TaskDetail, TaskLogLine, TaskStatus, TaskView } from "@/lib/contracts/tasks";
import { TASK_QUEUE, taskQueue, taskQueueRunning, taskQueueStop } from "./queue";

export type { TaskDetail, TaskLogLine, TaskStatus, TaskView } from "@/lib/contracts/tasks";

/**
 * Tasks: long operations (create, full clone, upload, delete with storage) that
 * run on the pg-boss queue in whichever app instance picks them up. The Task row
 * in PostgreSQL is the shared record: status, progress, message, log lines, who
 * started it, and which instance runs it with a heartbeat, so every instance can
 * show it live, cancel it, and resolve it when its instance died.
 */
export interface TaskContext {
  taskId: string;
  /** The spec's input, as stored; validate it with zod in the handler. */
  input: unknown;
  /** Aborted on cancel (when the handler is cancellable) and on shutdown. */
  signal: AbortSignal;
  /** Records progress (0..100, clamped) and an optional status message. Writes are coalesced. */
  progress(percent: number, message?: string): Promise<void>;
  /** Appends one line to the task's log. */
  log(line: string): Promise<void>;
}

export type TaskHandler = (ctx: TaskContext) => Promise<Record<string, unknown> | void>;

/** What a handler's interruption hook gets: the task as it was when its worker died. */
export interface InterruptedTask {
  id: string;
  input: unknown;
  hostId: string | null;
  vmUuid: string | null;
}

export interface TaskHandlerOptions {
  /** Users may cancel it; its handler honours ctx.signal. */
  cancellable?: boolean;
  /**
   * Called once, best effort, when a task of this kind is found "running" with a dead worker
   * (app restart, crash): clean up what a half-done run leaves behind (e.g. a partial volume).
   */
  onInterrupted?: (task: InterruptedTask) => Promise<void>;
}

interface Registration {
  handler: TaskHandler;
  opts: TaskHandlerOptions;
}

export interface TaskSpec {
  kind: string;
  title: string;
  hostId?: string;
  vmUuid?: string;
  input: Record<string, unknown>;
}


/** How often a running task's instance refreshes its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A running task whose heartbeat is older than this has lost its worker. */
export const STALE_AFTER_MS = 30_000;
/** How often an instance looks for cancel requests of the tasks it runs. */
const CANCEL_POLL_MS = 1_000;
/** How often an instance looks for tasks whose worker died. */
const SWEEP_MS = 15_000;
/** Progress writes closer together than this are coalesced. */
const PROGRESS_WRITE_MS = 300;
const MAX_LOG_LINE = 2_000;
const MAX_ERROR = 2_000;

const KindSchema = z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, "task kind like 'storage.upload'");

/** Per-process state, on globalThis: the custom server and Next's route bundles load separate module copies. */
interface Runtime {
  instanceId: string;
  handlers: Map<string, Registration>;
  /** Tasks this process is running: id -> abort controller. */
  running: Map<string, { controller: AbortController; done: Promise<void> }>;
  timers: NodeJS.Timeout[];
  workerIds: string[];
  /** Ids of this process's workers that are between jobs (waiting for their next poll). */
  idleWorkers: Set<string>;
  stopping: boolean;
}

const KEY = Symbol.for("virtdeck.tasks");
type Holder = { [KEY]?: Runtime };

function runtime(): Runtime {
  const holder = globalThis as unknown as Holder;
  if (!holder[KEY]) {
    holder[KEY] = {
      instanceId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      handlers: new Map(),
      running: new Map(),
      timers: [],
      workerIds: [],
      idleWorkers: new Set(),
      stopping: false,
    };
  }
  return holder[KEY];
}

/** This process's worker id, as written to Task.workerId. */
export function taskInstanceId(): string {
  return runtime().instanceId;
}

export function taskHandlerRegister(kind: string, handler: TaskHandler, opts: TaskHandlerOptions = {}): void {
  KindSchema.parse(kind);
  runtime().handlers.set(kind, { handler, opts });
}

export function taskHandlerRegistered(kind: string): boolean {
  return runtime().handlers.has(kind);
}

// --- views ---------------------------------------------------------------------------------

type TaskRow = Prisma.TaskGetPayload<object>;

export function toTaskView(row: TaskRow): TaskView {
  return {
    id: row.id,
    kind: row.kind,
    title: row.title,
    status: row.status,
    progress: Math.round(row.progress * 10) / 10,
    message: row.message,
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

function toLogLine(l: { id: bigint; at: Date; line: string }): TaskLogLine {
  return { id: l.id.toString(), at: l.at.toISOString(), line: l.line };
}

// --- enqueue and cancel ---------------------------------------------------------------------

function callerFields(caller: Caller | null) {
  return caller ? { userId: caller.principal.user.id, username: caller.principal.user.username } : { userId: null, username: "" };
}

/** Records a task and queues it; any instance's worker runs it. */
export async function taskEnqueue(caller: Caller, spec: TaskSpec): Promise<TaskView> {
  KindSchema.parse(spec.kind);
  const reg = runtime().handlers.get(spec.kind);
  if (!reg) throw new AppError("internal", `No task handler for ${spec.kind}`);
  const id = randomUUID();
  const row = await db().task.create({
    data: {
      id,
      kind: spec.kind,
      title: spec.title.slice(0, 300),
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
    actor: caller.actor,
    action: "task.start",
    target: { type: "task", id, name: spec.kind },
    ip: caller.ip,
    details: { kind: spec.kind, title: spec.title, hostId: spec.hostId ?? null, vmUuid: spec.vmUuid ?? null },
  });
  return toTaskView({ ...row, jobId });
}

/**
 * Wakes one idle worker of this process so a task just queued starts now rather than at the
 * worker's next poll (pg-boss polls every second). Other instances still find it by polling.
 */
function workerWake(): void {
  const rt = runtime();
  if (rt.stopping) return;
  const [id] = rt.idleWorkers;
  if (!id) return;
  // Round robin: a second task queued before this worker fetched wakes the next idle one.
  rt.idleWorkers.delete(id);
  rt.idleWorkers.add(id);
  taskQueueRunning()?.notifyWorker(id);
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
  if (row.userId !== caller.principal.user.id && !(await taskSeesAll(caller.principal))) throw new AppError("not_found", "No such task");
  if (row.status !== "queued" && row.status !== "running") {
    throw new AppError("invalid_state", "The task has already finished");
  }
  if (!row.cancellable) throw new AppError("invalid_state", "This task cannot be cancelled");
  const now = new Date();
  // Queued: cancel it here unless a worker claims it first (then it is running: ask its worker).
  const direct = await db().task.updateMany({
    where: { id, status: "queued" },
    data: { status: "cancelled", cancelRequestedAt: now, finishedAt: now, message: "Cancelled before it started" },
  });
  if (direct.count === 1) {
    if (row.jobId) {
      const boss = await taskQueue().catch(() => null);
      await boss?.cancel(TASK_QUEUE, row.jobId).catch(() => {});
    }
  } else {
    await db().task.updateMany({ where: { id, status: "running", cancelRequestedAt: null }, data: { cancelRequestedAt: now } });
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

export class TaskCancelledError extends Error {
  constructor(message = "Cancelled") {
    super(message);
    this.name = "TaskCancelledError";
  }
}

class TaskShutdownError extends Error {
  constructor() {
    super("virtdeck stopped while this task was running");
    this.name = "TaskShutdownError";
  }
}

// --- running ---------------------------------------------------------------------------------

function errorText(err: unknown): string {
  if (isAppError(err)) return err.message.slice(0, MAX_ERROR);
  if (err instanceof z.ZodError) return `Invalid task input: ${err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`.slice(0, MAX_ERROR);
  if (err instanceof Error) return err.message.slice(0, MAX_ERROR) || err.name;
  return String(err).slice(0, MAX_ERROR);
}

function makeContext(row: TaskRow, controller: AbortController): { ctx: TaskContext; flush: () => Promise<void> } {
  let lastWrite = 0;
  let pending: { progress: number; message?: string } | null = null;
  let trailing: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();
  let lastMessage = row.message;

  const write = (p: { progress: number; message?: string }) => {
    lastWrite = Date.now();
    const data: Prisma.TaskUpdateInput = { progress: p.progress };
    if (p.message !== undefined) data.message = p.message;
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
      const msg = message?.slice(0, 500);
      const changedMessage = msg !== undefined && msg !== lastMessage;
      if (msg !== undefined) lastMessage = msg;
      const next = { progress, message: msg ?? pending?.message };
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
    async log(line) {
      await db().taskLog.create({ data: { taskId: row.id, line: String(line).slice(0, MAX_LOG_LINE) } });
    },
  };
  return { ctx, flush };
}

/**
 * Runs a claimed task (status already "running" for this instance) to its end and records the
 * outcome. Never throws.
 */
async function execute(row: TaskRow, reg: Registration | undefined): Promise<void> {
  const rt = runtime();
  const controller = new AbortController();
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  rt.running.set(row.id, { controller, done });
  const { ctx, flush } = makeContext(row, controller);
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
  const now = new Date();
  try {
    await db().task.updateMany({
      where: { id: row.id, workerId: rt.instanceId, status: "running" },
      data: {
        status,
        error,
        result: result === null ? undefined : (result as Prisma.InputJsonValue),
        finishedAt: now,
        heartbeatAt: now,
        ...(status === "succeeded" ? { progress: 100 } : {}),
        ...(status === "cancelled" ? { message: "Cancelled" } : {}),
      },
    });
    if (error) await ctx.log(`error: ${error}`).catch(() => {});
  } catch (err) {
    childLogger("tasks").error({ taskId: row.id, kind: row.kind, err }, "could not record the task's outcome");
  } finally {
    rt.running.delete(row.id);
    resolveDone();
  }
}

/** Claims a queued task for this instance; null when another worker has it or it was cancelled. */
async function claim(taskId: string): Promise<TaskRow | null> {
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
      title: spec.title.slice(0, 300),
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
  const done = execute(row, registration).then(async () => toTaskView(await db().task.findUniqueOrThrow({ where: { id: row.id } })));
  return { task: toTaskView(row), done };
}

// --- liveness: heartbeat, cancel polling, dead-worker sweep ----------------------------------

async function heartbeat(): Promise<void> {
  const ids = [...runtime().running.keys()];
  if (!ids.length) return;
  await db().task.updateMany({ where: { id: { in: ids }, status: "running" }, data: { heartbeatAt: new Date() } });
}

async function cancelPoll(): Promise<void> {
  const rt = runtime();
  const ids = [...rt.running.keys()];
  if (!ids.length) return;
  const asked = await db().task.findMany({
    where: { id: { in: ids }, cancelRequestedAt: { not: null } },
    select: { id: true },
  });
  for (const { id } of asked) {
    const entry = rt.running.get(id);
    if (entry && !entry.controller.signal.aborted) entry.controller.abort(new TaskCancelledError());
  }
}

/**
 * Resolves tasks left "running" by an instance that is gone (stopped, crashed, killed): their
 * heartbeat is older than STALE_AFTER_MS. They are marked failed with the reason and their
 * kind's onInterrupted hook cleans up. Runs at start and periodically on every instance, so a
 * surviving instance resolves a dead one's tasks. Returns the ids it resolved.
 */
export async function taskSweepInterrupted(opts: { staleAfterMs?: number } = {}): Promise<string[]> {
  const rt = runtime();
  const cutoff = new Date(Date.now() - (opts.staleAfterMs ?? STALE_AFTER_MS));
  const running = await db().task.findMany({
    where: { status: "running", NOT: { id: { in: [...rt.running.keys()] } } },
  });
  const stale = running.filter((t) => !t.heartbeatAt || t.heartbeatAt < cutoff || workerDeadHere(t.workerId));
  const resolved: string[] = [];
  for (const t of stale) {
    const reason = `Interrupted: the virtdeck instance running it (${t.workerId ?? "unknown"}) stopped${
      t.heartbeatAt ? ` (last heard from at ${t.heartbeatAt.toISOString()})` : ""
    }. It was not resumed; check what it left behind before retrying.`;
    const now = new Date();
    const n = await db().task.updateMany({
      where: { id: t.id, status: "running", heartbeatAt: t.heartbeatAt },
      data: { status: "failed", error: reason, finishedAt: now },
    });
    if (n.count !== 1) continue; // another instance resolved it first
    resolved.push(t.id);
    await db().taskLog.create({ data: { taskId: t.id, line: `error: ${reason}` } }).catch(() => {});
    const hook = rt.handlers.get(t.kind)?.opts.onInterrupted;
    if (hook) {
      try {
        await hook({ id: t.id, input: t.input, hostId: t.hostId, vmUuid: t.vmUuid });
        await db().taskLog.create({ data: { taskId: t.id, line: "Cleaned up after the interruption" } });
      } catch (err) {
        await db().taskLog
          .create({ data: { taskId: t.id, line: `Cleanup after the interruption failed: ${errorText(err)}` } })
          .catch(() => {});
      }
    }
  }
  return resolved;
}

/**
 * True when workerId names a process on this machine that is certainly gone: an earlier
 * incarnation with our own pid (a container restart reuses pids), or a pid that no longer
 * exists. Such tasks are resolved at once instead of after STALE_AFTER_MS.
 */
function workerDeadHere(workerId: string | null): boolean {
  if (!workerId) return false;
  const m = /^(.*):(\d+):([0-9a-f]{8})$/.exec(workerId);
  if (!m || m[1] !== hostname() || workerId === runtime().instanceId) return false;
  const pid = Number(m[2]);
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

function ensureTimers(): void {
  const rt = runtime();
  if (rt.timers.length) return;
  const every = (ms: number, fn: () => Promise<unknown>) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err) => console.error(`tasks: ${errorText(err)}`))
        .finally(() => (busy = false));
    }, ms);
    t.unref();
    rt.timers.push(t);
  };
  every(HEARTBEAT_MS, heartbeat);
  every(CANCEL_POLL_MS, cancelPoll);
  every(SWEEP_MS, () => taskSweepInterrupted());
}

/**
 * Starts this instance's task workers (custom server start): pg-boss, `concurrency` pollers of
 * the task queue, heartbeats, cancel polling and the sweep for tasks of dead instances, which
 * also runs once now. Queued tasks survive restarts in the queue and run when a worker is back.
 */
export async function taskWorkersStart(opts: { concurrency?: number; pollingIntervalSeconds?: number } = {}): Promise<void> {
  const rt = runtime();
  rt.stopping = false;
  const boss = await taskQueue();
  const swept = await taskSweepInterrupted();
  if (swept.length) childLogger("tasks").warn({ taskIds: swept }, `${swept.length} interrupted task(s) marked failed`);
  ensureTimers();
  if (rt.workerIds.length) return;
  const concurrency = opts.concurrency ?? 4;
  for (let i = 0; i < concurrency; i++) {
    // pg-boss calls the handler only with jobs; the worker is idle again when the handler returns.
    const self: { id?: string } = {};
    const id = await boss.work<{ taskId: string }>(
      TASK_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 1 },
      async (jobs) => {
        if (self.id) rt.idleWorkers.delete(self.id);
        try {
          for (const job of jobs) {
            if (rt.stopping) throw new Error("virtdeck is stopping");
            const taskId = z.uuid().safeParse(job.data?.taskId);
            if (!taskId.success) continue;
            const row = await claim(taskId.data);
            if (!row) continue;
            await execute(row, rt.handlers.get(row.kind));
          }
        } finally {
          if (self.id && !rt.stopping) rt.idleWorkers.add(self.id);
        }
      },
    );
    self.id = id;
    rt.workerIds.push(id);
    rt.idleWorkers.add(id);
  }
}

/**
 * Stops this instance's workers (server shutdown): running tasks are aborted and, if they do
 * not end within `graceMs`, marked failed here; then pg-boss stops.
 */
export async function taskWorkersStop(opts: { graceMs?: number } = {}): Promise<void> {
  const rt = runtime();
  rt.stopping = true;
  for (const t of rt.timers) clearInterval(t);
  rt.timers = [];
  const entries = [...rt.running.entries()];
  for (const [, e] of entries) e.controller.abort(new TaskShutdownError());
  const all = Promise.all(entries.map(([, e]) => e.done));
  await Promise.race([all, new Promise((r) => setTimeout(r, opts.graceMs ?? 5_000))]);
  const left = [...rt.running.keys()];
  if (left.length) {
    const now = new Date();
    await db()
      .task.updateMany({
        where: { id: { in: left }, status: "running", workerId: rt.instanceId },
        data: { status: "failed", error: new TaskShutdownError().message, finishedAt: now },
      })
      .catch(() => {});
  }
  rt.workerIds = [];
  rt.idleWorkers.clear();
  await taskQueueStop();
}
