import "server-only";
import { hostname } from "node:os";
import { db } from "@/lib/db/client";
import { isDatabaseUnavailable } from "@/lib/db/unavailable";
import {
  CANCEL_POLL_MS,
  HEARTBEAT_MS,
  STALE_AFTER_MS,
  SWEEP_MS,
  TaskCancelledError,
  errorText,
  runtime,
} from "./registry";
import { logLineFields, msg, taskTextFields } from "./task-text";

/** Liveness of this instance's tasks: heartbeats, cancel polling, and the sweep for tasks whose worker died. */

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
  // Right after a database outage no instance could write heartbeats: a stale one proves nothing
  // until the database has been back for STALE_AFTER_MS (only a worker certainly gone counts).
  const heartbeatsTell = !rt.dbOutageAt || Date.now() - rt.dbOutageAt >= (opts.staleAfterMs ?? STALE_AFTER_MS);
  const stale = running.filter(
    (t) => (heartbeatsTell && (!t.heartbeatAt || t.heartbeatAt < cutoff)) || workerDeadHere(t.workerId),
  );
  const resolved: string[] = [];
  for (const t of stale) {
    const interrupted = taskTextFields(
      msg("lines.interrupted", {
        worker: t.workerId ?? "unknown",
        heard: t.heartbeatAt ? t.heartbeatAt.toISOString() : "never",
      }),
    );
    const reason = interrupted.text;
    const now = new Date();
    const n = await db().task.updateMany({
      where: { id: t.id, status: "running", heartbeatAt: t.heartbeatAt },
      data: { status: "failed", error: reason, finishedAt: now },
    });
    if (n.count !== 1) continue; // another instance resolved it first
    resolved.push(t.id);
    await db()
      .taskLog.create({
        data: { taskId: t.id, line: `error: ${reason}`, lineKey: interrupted.key, lineParams: interrupted.params! },
      })
      .catch(() => {});
    const hook = rt.handlers.get(t.kind)?.opts.onInterrupted;
    if (hook) {
      try {
        await hook({ id: t.id, input: t.input, hostId: t.hostId, vmUuid: t.vmUuid });
        await db().taskLog.create({ data: { taskId: t.id, ...logLineFields(msg("lines.interruptCleaned")) } });
      } catch (err) {
        await db()
          .taskLog.create({
            data: { taskId: t.id, ...logLineFields(msg("lines.interruptCleanupFailed", { error: errorText(err) })) },
          })
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

export function ensureTimers(): void {
  const rt = runtime();
  if (rt.timers.length) return;
  const every = (ms: number, fn: () => Promise<unknown>) => {
    let busy = false;
    const t = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err) => {
          if (isDatabaseUnavailable(err)) rt.dbOutageAt = Date.now();
          console.error(`tasks: ${errorText(err)}`);
        })
        .finally(() => (busy = false));
    }, ms);
    t.unref();
    rt.timers.push(t);
  };
  every(HEARTBEAT_MS, heartbeat);
  every(CANCEL_POLL_MS, cancelPoll);
  every(SWEEP_MS, () => taskSweepInterrupted());
}
