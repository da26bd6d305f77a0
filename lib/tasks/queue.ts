import "server-only";
import PgBoss from "pg-boss";
import { dbRawExecute } from "@/lib/db/client";

/**
 * The job queue under tasks: pg-boss, in its own schema ("pgboss", created and
 * migrated by the library), on the app's database connection. pg-boss accepts
 * any `{ executeSql }` object, which is how it runs on embedded PGlite as well
 * as on PostgreSQL: every statement goes through dbRawExecute().
 *
 * One queue carries every task kind; a job's data is only the Task row's id.
 * The row, not the job, is the record users see (status, progress, log).
 */
export const TASK_QUEUE = "virtdeck-tasks";

/**
 * pg-boss fails a job that runs longer than this (its maximum is < 24 h). Task
 * liveness itself is the Task row's heartbeat, not this.
 */
const JOB_EXPIRE_SECONDS = 23 * 3600;

interface QueueState {
  boss: PgBoss;
  started: Promise<PgBoss>;
}

const KEY = Symbol.for("virtdeck.taskQueue");
type Holder = { [KEY]?: QueueState };
const holder = globalThis as unknown as Holder;

/** Starts pg-boss once per process (installs or migrates its schema) and creates the task queue. */
export function taskQueue(): Promise<PgBoss> {
  const existing = holder[KEY];
  if (existing) return existing.started;
  const boss = new PgBoss({
    db: { executeSql: (text: string, values: unknown[]) => dbRawExecute(text, values) },
    // Cron schedules (housekeeping, lib/tasks/housekeeping.ts) and maintenance (expiry, archiving) on.
    schedule: true,
    retryLimit: 0,
    expireInSeconds: JOB_EXPIRE_SECONDS,
  });
  boss.on("error", (err: Error) => console.error(`task queue: ${err.message}`));
  const started = (async () => {
    await boss.start();
    await boss.createQueue(TASK_QUEUE, {
      name: TASK_QUEUE,
      retryLimit: 0,
      expireInSeconds: JOB_EXPIRE_SECONDS,
      retentionDays: 7,
    });
    return boss;
  })();
  started.catch(() => {
    if (holder[KEY]?.boss === boss) holder[KEY] = undefined;
  });
  holder[KEY] = { boss, started };
  return started;
}

/** This process's pg-boss once started, else null (never starts it). */
export function taskQueueRunning(): PgBoss | null {
  const s = holder[KEY];
  return s ? s.boss : null;
}

/** Stops pg-boss (workers first); safe to call when it never started. */
export async function taskQueueStop(): Promise<void> {
  const s = holder[KEY];
  if (!s) return;
  holder[KEY] = undefined;
  const boss = await s.started.catch(() => null);
  await boss?.stop({ graceful: false, wait: true, close: false }).catch(() => {});
}
