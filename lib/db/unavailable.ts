import { AppError } from "@/lib/http/errors";

/**
 * Telling "the database is not there" (PostgreSQL stopped, restarting, unreachable, its connection
 * dropped) from every other database error, through whatever wraps it: Prisma's known request
 * errors (P1001/P1002/P1017 and the driver adapter's cause), node-postgres and socket errors.
 */
const SOCKET_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EHOSTUNREACH"]);
/** PostgreSQL SQLSTATEs: connection exceptions (08xxx), shutdown/crash (57P01-57P03), Prisma's reachability codes. */
const DB_CODES = new Set([
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "57P01",
  "57P02",
  "57P03",
  "P1001",
  "P1002",
  "P1017",
]);
const ADAPTER_KINDS = new Set(["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout"]);
const MESSAGES =
  /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Can't reach database server|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command/i;

export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === "object" && !seen.has(e)) {
    seen.add(e);
    if (e instanceof AppError) return e.code === "database_unavailable";
    const o = e as { code?: unknown; message?: unknown; meta?: unknown; cause?: unknown };
    if (typeof o.code === "string" && (SOCKET_CODES.has(o.code) || DB_CODES.has(o.code))) return true;
    const kind = (o.meta as { driverAdapterError?: { cause?: { kind?: unknown } } } | undefined)?.driverAdapterError
      ?.cause?.kind;
    if (typeof kind === "string" && ADAPTER_KINDS.has(kind)) return true;
    if (typeof o.message === "string" && MESSAGES.test(o.message)) return true;
    e = o.cause;
  }
  return false;
}

/** The message a caller sees while the database is down (the browser shows common.errors.databaseUnavailable). */
export const DATABASE_UNAVAILABLE_MESSAGE = "The database (PostgreSQL) is unavailable. Try again once it is back.";

export function databaseUnavailable(message = DATABASE_UNAVAILABLE_MESSAGE): AppError {
  return new AppError("database_unavailable", message, {
    retryAfterSeconds: 5,
    data: { messageKey: { key: "errors.databaseUnavailable" } },
  });
}

/** The error as callers should see it: a database outage becomes a 503 naming it; anything else is unchanged. */
export function databaseErrorMap(err: unknown): unknown {
  return isDatabaseUnavailable(err) && !(err instanceof AppError) ? databaseUnavailable() : err;
}

/**
 * Retries `fn` while the database is unavailable, with backoff (250 ms doubling to `maxDelayMs`),
 * until it succeeds, another error happens (thrown), or `giveUp()` says to stop (the last error is
 * thrown). For writes that must land once PostgreSQL is back: a task's outcome, an audit event.
 */
export async function dbRetry<T>(
  fn: () => Promise<T>,
  opts: { giveUp?: () => boolean; maxDelayMs?: number; onRetry?: (err: unknown, attempt: number) => void } = {},
): Promise<T> {
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isDatabaseUnavailable(err) || opts.giveUp?.()) throw err;
      opts.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, opts.maxDelayMs ?? 5_000);
    }
  }
}
