import "server-only";
import { z } from "zod";
import type PgBoss from "pg-boss";
import { dbRetry } from "@/lib/db/unavailable";
import { db } from "@/lib/db/client";
import { childLogger } from "@/lib/log";
import { TASK_QUEUE, taskQueue, taskQueueStop } from "./queue";
import { TaskShutdownError, runtime } from "./registry";
import { execute, claim } from "./runner";
import { ensureTimers, taskSweepInterrupted } from "./liveness";

/**
 * Starts this instance's task workers (custom server start): pg-boss, `concurrency` pollers of
 * the task queue, heartbeats, cancel polling and the sweep for tasks of dead instances, which
 * also runs once now. Queued tasks survive restarts in the queue and run when a worker is back.
 */
export async function taskWorkersStart(
  opts: { concurrency?: number; pollingIntervalSeconds?: number } = {},
): Promise<void> {
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
            await jobRun(boss, job);
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
 * Runs one job's task and completes the job itself, awaited and retried while the database is
 * down: pg-boss completes a job after the handler without awaiting it (its rejection would be
 * unhandled and the job left `active`); by then it is already done and that call changes nothing.
 * Never throws.
 */
async function jobRun(boss: PgBoss, job: { id: string; data?: { taskId?: unknown } }): Promise<void> {
  const rt = runtime();
  const giveUp = () => rt.stopping;
  try {
    const taskId = z.uuid().safeParse(job.data?.taskId);
    if (taskId.success) {
      const row = await dbRetry(() => claim(taskId.data), { giveUp });
      if (row) await execute(row, rt.handlers.get(row.kind));
    }
    await dbRetry(() => boss.complete(TASK_QUEUE, job.id), { giveUp });
  } catch (err) {
    childLogger("tasks").error({ jobId: job.id, err }, "task job not completed");
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
