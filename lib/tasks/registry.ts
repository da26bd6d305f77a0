import "server-only";
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { isAppError } from "@/lib/http/errors";
import type { Caller } from "@/lib/authz/caller";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { MessageRef } from "@/lib/contracts/messages";
import { taskQueueRunning } from "./queue";

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
  /**
   * Records progress (0..100, clamped) and an optional status message: a key of the "tasks"
   * catalogue + arguments (lib/tasks/task-text.ts `msg`), stored with its English. Writes are coalesced.
   */
  progress(percent: number, message?: MessageRef | string): Promise<void>;
  /** Appends one line to the task's log: a message (`msg(key, params)`) or plain English. */
  log(line: MessageRef | string): Promise<void>;
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

export interface Registration {
  handler: TaskHandler;
  opts: TaskHandlerOptions;
}

export interface TaskSpec {
  kind: string;
  /** English title: stored for API clients, the audit log and the log lines. */
  title: string;
  /** The same title as a key of the "tasks" catalogue and its arguments: what the browser shows. */
  titleMessage?: MessageRef;
  hostId?: string;
  vmUuid?: string;
  input: Record<string, unknown>;
}

/** The title columns of a new task row: the English title, and its message key and arguments when given. */
export function titleFields(spec: TaskSpec): {
  title: string;
  titleKey?: string;
  titleParams?: Prisma.InputJsonObject;
} {
  const title = spec.title.slice(0, 300);
  if (!spec.titleMessage) return { title };
  return { title, titleKey: spec.titleMessage.key, titleParams: spec.titleMessage.params ?? {} };
}

/** How often a running task's instance refreshes its heartbeat. */
export const HEARTBEAT_MS = 5_000;
/** A running task whose heartbeat is older than this has lost its worker. */
export const STALE_AFTER_MS = 30_000;
/** How often an instance looks for cancel requests of the tasks it runs. */
export const CANCEL_POLL_MS = 1_000;
/** How often an instance looks for tasks whose worker died. */
export const SWEEP_MS = 15_000;
/** Progress writes closer together than this are coalesced. */
export const PROGRESS_WRITE_MS = 300;
export const MAX_LOG_LINE = 2_000;
export const MAX_ERROR = 2_000;

export const KindSchema = z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/, "task kind like 'storage.upload'");

/** Per-process state, on globalThis: the custom server and Next's route bundles load separate module copies. */
export interface Runtime {
  instanceId: string;
  handlers: Map<string, Registration>;
  /** Tasks this process is running: id -> abort controller. */
  running: Map<string, { controller: AbortController; done: Promise<void> }>;
  timers: NodeJS.Timeout[];
  workerIds: string[];
  /** Ids of this process's workers that are between jobs (waiting for their next poll). */
  idleWorkers: Set<string>;
  stopping: boolean;
  /** When this process last found the database unavailable (ms epoch): heartbeats could not be written then. */
  dbOutageAt: number | null;
}

const KEY = Symbol.for("virtdeck.tasks");
type Holder = { [KEY]?: Runtime };

export function runtime(): Runtime {
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
      dbOutageAt: null,
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

/** A task row as stored. */
export type TaskRow = Prisma.TaskGetPayload<object>;

export class TaskCancelledError extends Error {
  constructor(message = "Cancelled") {
    super(message);
    this.name = "TaskCancelledError";
  }
}

export class TaskShutdownError extends Error {
  constructor() {
    super("virtdeck stopped while this task was running");
    this.name = "TaskShutdownError";
  }
}

export function errorText(err: unknown): string {
  if (isAppError(err)) return err.message.slice(0, MAX_ERROR);
  if (err instanceof z.ZodError)
    return `Invalid task input: ${err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`.slice(
      0,
      MAX_ERROR,
    );
  if (err instanceof Error) return err.message.slice(0, MAX_ERROR) || err.name;
  return String(err).slice(0, MAX_ERROR);
}

/**
 * Wakes one idle worker of this process so a task just queued starts now rather than at the
 * worker's next poll (pg-boss polls every second). Other instances still find it by polling.
 */
export function workerWake(): void {
  const rt = runtime();
  if (rt.stopping) return;
  const [id] = rt.idleWorkers;
  if (!id) return;
  // Round robin: a second task queued before this worker fetched wakes the next idle one.
  rt.idleWorkers.delete(id);
  rt.idleWorkers.add(id);
  taskQueueRunning()?.notifyWorker(id);
}

/** The Task row fields naming who started it (null: a system task). */
export function callerFields(caller: Caller | null) {
  return caller
    ? { userId: caller.principal.user.id, username: caller.principal.user.username }
    : { userId: null, username: "" };
}
