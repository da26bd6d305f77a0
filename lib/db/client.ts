import "server-only";
import path from "node:path";
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "@/lib/generated/prisma/client";
import { dataDir, env } from "@/lib/env";
import { databaseUnavailable } from "@/lib/db/unavailable";
import { migrationsApply, migrationsLoad, type MigrationResult, type SqlSession } from "@/lib/db/migrate";

/**
 * One database handle per process, shared through globalThis because the custom
 * server (run by tsx) and Next's bundled route handlers load separate copies of
 * this module. PGlite in particular must be opened only once.
 */
/**
 * PGlite's initdb writes shared_buffers = 128MB, and in WASM the whole buffer pool is allocated and
 * zeroed inside the module's linear memory at start: ~140 MiB of resident memory for an app
 * database of a few MB. 16MB keeps the hot pages in (the files stay in the OS page cache anyway);
 * measured on a reopened data dir: RSS 312-331 MiB -> 159-189 MiB.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

type Backend = { kind: "pglite"; pglite: PGlite; dir: string } | { kind: "postgres"; url: string; pool: pg.Pool };

type Client = PrismaClient<never, typeof OMIT>;

interface DbState {
  backend: Backend;
  prisma: Client;
}

const KEY = Symbol.for("virtdeck.db");
type Holder = { [KEY]?: DbState };
const holder = globalThis as unknown as Holder;

export function migrationsDir(): string {
  return path.resolve(process.cwd(), "prisma/migrations");
}

/** Secrets never leave the database layer unless a query selects them explicitly. */
const OMIT = {
  user: { passwordHash: true },
  host: { privateKeySealed: true },
  userTotp: { secretSealed: true },
} as const;

function open(): DbState {
  const url = env().DATABASE_URL;
  let backend: Backend;
  let prisma: Client;
  if (url) {
    // A connection attempt to a server that does not answer ends, so an outage is an error, not a hang.
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle client whose server connection ends (PostgreSQL restart, admin termination) emits
    // "error" on the pool; unhandled, that would crash the process. The pool replaces the client.
    pool.on("error", (err) => console.error(`database connection lost: ${err.message}`));
    // A client checked out of the pool (a query or transaction under way, pg-boss's statements)
    // has no listener of the pool's: when the server goes away it emits "error" too, which would
    // be an uncaught exception. The query in flight is rejected with it; the pool drops the client.
    pool.on("connect", (client) => client.on("error", () => {}));
    backend = { kind: "postgres", url, pool };
    prisma = new PrismaClient({ adapter: new PrismaPg(pool), omit: OMIT });
  } else {
    const dir = path.join(dataDir(), "pglite");
    const pglite = new PGlite(dir, { startParams: PGLITE_START_PARAMS });
    backend = { kind: "pglite", pglite, dir };
    prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite), omit: OMIT });
  }
  return { backend, prisma };
}

function state(): DbState {
  if (!holder[KEY]) holder[KEY] = open();
  return holder[KEY];
}

/** The Prisma client. Call prepareDatabase() once at process start before using it. */
export function db(): Client {
  return state().prisma;
}

export function dbBackendKind(): Backend["kind"] {
  return state().backend.kind;
}

function pgSession(client: pg.PoolClient): SqlSession {
  return {
    exec: async (sql) => {
      await client.query(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
  };
}

function pgliteSession(p: PGlite): SqlSession {
  return {
    exec: async (sql) => {
      await p.exec(sql);
    },
    query: async <T>(sql: string, params?: unknown[]) => (await p.query<T>(sql, params)).rows,
  };
}

/** Opens the database (creating the PGlite directory if needed) and applies pending migrations. */
export async function prepareDatabase(): Promise<MigrationResult> {
  if (!env().DATABASE_URL) await mkdir(dataDir(), { recursive: true });
  const { backend } = state();
  const migrations = await migrationsLoad(migrationsDir());
  if (backend.kind === "pglite") {
    await backend.pglite.waitReady;
    return migrationsApply(pgliteSession(backend.pglite), migrations);
  }
  const client = await backend.pool.connect();
  try {
    return await migrationsApply(pgSession(client), migrations, { advisoryLock: true });
  } finally {
    client.release();
  }
}

/**
 * Raw SQL for libraries that bring their own statements (the pg-boss job queue):
 * parameterized single statements, or several statements in one string when no
 * values are given. A failure rolls back whatever transaction the text opened,
 * so the shared connection (PGlite) or pooled client is not left aborted.
 */
export async function dbRawExecute(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }> {
  const { backend } = state();
  const multi = !values || values.length === 0;
  if (backend.kind === "pglite") {
    try {
      if (!multi) return { rows: (await backend.pglite.query<Record<string, unknown>>(text, values)).rows };
      const results = await backend.pglite.exec(text);
      return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
    } catch (err) {
      if (multi) await backend.pglite.exec("ROLLBACK").catch(() => {});
      throw err;
    }
  }
  const client = await backend.pool.connect();
  try {
    const r = (await client.query(text, multi ? undefined : values)) as pg.QueryResult | pg.QueryResult[];
    return { rows: (Array.isArray(r) ? (r.at(-1)?.rows ?? []) : r.rows) as Record<string, unknown>[] };
  } catch (err) {
    if (multi) await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/** Runs a raw SQL probe; used by the health endpoint. */
export async function databasePing(): Promise<boolean> {
  try {
    await db().$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}

/**
 * Before an action with an effect outside the database (a host, a guest): refuse it with a 503
 * naming the database when PostgreSQL does not answer, so nothing happens that cannot be recorded.
 */
export async function databaseRequire(what: string): Promise<void> {
  if (!(await databasePing()))
    throw databaseUnavailable(
      `The database (PostgreSQL) is unavailable: ${what} was not done. Try again once it is back.`,
    );
}

export async function closeDatabase(): Promise<void> {
  const s = holder[KEY];
  if (!s) return;
  holder[KEY] = undefined;
  await s.prisma.$disconnect().catch(() => {});
  if (s.backend.kind === "pglite") await s.backend.pglite.close().catch(() => {});
  else await s.backend.pool.end().catch(() => {});
}
