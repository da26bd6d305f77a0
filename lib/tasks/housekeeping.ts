import "server-only";
import { childLogger } from "@/lib/log";
import type PgBoss from "pg-boss";
import { env } from "@/lib/env";
import { sessionPurge } from "@/lib/auth/session";
import { loginChallengePurge } from "@/lib/auth/login-challenge";
import { rateLimitPurge } from "@/lib/auth/rate-limit";
import { consoleTicketPurge } from "@/lib/consoles/tickets";
import { taskQueue } from "@/lib/tasks/queue";

/**
 * Housekeeping: a pg-boss cron schedule (every VIRTDECK_HOUSEKEEPING_MINUTES) on its own queue
 * deletes rows nothing reads any more. pg-boss stores the schedule in PostgreSQL and lets one
 * instance per minute turn it into a job, so N instances run one round, not N. Each kind is
 * purged on its own: a failure is logged and left to the next round; it never stops the others
 * or the app.
 */
export const HOUSEKEEPING_QUEUE = "virtdeck-housekeeping";

/** A rate-limit bucket is kept this long after its window ended (its window already counts as empty). */
const RATE_LIMIT_GRACE_SECONDS = 3600;

export type HousekeepingKind = "sessions" | "loginChallenges" | "consoleTickets" | "rateLimitBuckets";

const PURGES: Record<HousekeepingKind, () => Promise<number>> = {
  sessions: sessionPurge,
  loginChallenges: loginChallengePurge,
  consoleTickets: consoleTicketPurge,
  rateLimitBuckets: () => rateLimitPurge(env().VIRTDECK_LOGIN_WINDOW_SECONDS + RATE_LIMIT_GRACE_SECONDS),
};

/** The cron expression of the schedule (UTC). */
export function housekeepingCron(minutes = env().VIRTDECK_HOUSEKEEPING_MINUTES): string {
  return `*/${minutes} * * * *`;
}

const log = () => childLogger("housekeeping");

/** This process's housekeeping worker per pg-boss instance (a restarted queue is a new instance). */
const workers = new WeakMap<PgBoss, string>();

/** One round: every purge, each on its own. Returns rows deleted per kind, or the error's message. */
export async function housekeepingRun(): Promise<Record<HousekeepingKind, number | string>> {
  const out = {} as Record<HousekeepingKind, number | string>;
  for (const [kind, purge] of Object.entries(PURGES) as [HousekeepingKind, () => Promise<number>][]) {
    try {
      out[kind] = await purge();
      if (out[kind]) log().info({ kind, deleted: out[kind] }, "housekeeping: expired rows deleted");
    } catch (err) {
      out[kind] = err instanceof Error ? err.message : String(err);
      log().error({ kind, err }, "housekeeping: purge failed (retried next round)");
    }
  }
  return out;
}

/**
 * Creates the queue, registers (or updates) the schedule and this instance's worker. Never
 * throws: without housekeeping the app still works, and a later start registers it again.
 * Returns the worker id, or null when registration failed.
 */
export async function housekeepingStart(opts: { pollingIntervalSeconds?: number } = {}): Promise<string | null> {
  try {
    const boss: PgBoss = await taskQueue();
    const known = workers.get(boss);
    if (known) return known;
    await boss.createQueue(HOUSEKEEPING_QUEUE, {
      name: HOUSEKEEPING_QUEUE,
      retryLimit: 0,
      expireInSeconds: 15 * 60,
      retentionDays: 1,
    });
    await boss.schedule(HOUSEKEEPING_QUEUE, housekeepingCron());
    const id = await boss.work(
      HOUSEKEEPING_QUEUE,
      { batchSize: 1, pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 10 },
      async () => {
        await housekeepingRun();
      },
    );
    workers.set(boss, id);
    return id;
  } catch (err) {
    log().error({ err }, "housekeeping: not scheduled");
    return null;
  }
}
