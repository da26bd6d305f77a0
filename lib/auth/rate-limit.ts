import "server-only";
import { db } from "@/lib/db/client";

/**
 * Fixed-window counters in PostgreSQL, so every app instance sees the same
 * counts. Used for failed logins per account and per source address.
 */
export interface WindowState {
  count: number;
  retryAfterSeconds: number;
}

export async function rateLimitPeek(key: string, windowSeconds: number): Promise<WindowState> {
  const rows = await db().$queryRaw<{ count: number; age: number }[]>`
    SELECT count, EXTRACT(EPOCH FROM (now() - "windowStart"))::float8 AS age
    FROM "RateLimitBucket" WHERE key = ${key}`;
  const row = rows[0];
  if (!row || row.age >= windowSeconds) return { count: 0, retryAfterSeconds: 0 };
  return { count: Number(row.count), retryAfterSeconds: Math.max(1, Math.ceil(windowSeconds - row.age)) };
}

/** Adds one hit atomically (a single upsert) and returns the new count in the current window. */
export async function rateLimitHit(key: string, windowSeconds: number): Promise<number> {
  const rows = await db().$queryRaw<{ count: number }[]>`
    INSERT INTO "RateLimitBucket" (key, "windowStart", count) VALUES (${key}, now(), 1)
    ON CONFLICT (key) DO UPDATE SET
      count = CASE WHEN "RateLimitBucket"."windowStart" <= now() - make_interval(secs => ${windowSeconds}::float8)
                   THEN 1 ELSE "RateLimitBucket".count + 1 END,
      "windowStart" = CASE WHEN "RateLimitBucket"."windowStart" <= now() - make_interval(secs => ${windowSeconds}::float8)
                   THEN now() ELSE "RateLimitBucket"."windowStart" END
    RETURNING count`;
  return Number(rows[0].count);
}

export async function rateLimitReset(key: string): Promise<void> {
  await db().rateLimitBucket.deleteMany({ where: { key } });
}

/**
 * Deletes buckets whose window started more than `olderThanSeconds` ago. Pass at least the
 * longest window any caller uses: such a bucket already counts as empty (rateLimitPeek), so
 * dropping it changes no decision. Returns the number deleted.
 */
export async function rateLimitPurge(olderThanSeconds: number): Promise<number> {
  return db().$executeRaw`
    DELETE FROM "RateLimitBucket" WHERE "windowStart" < now() - make_interval(secs => ${olderThanSeconds}::float8)`;
}
