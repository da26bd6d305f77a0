import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { closeDatabase } from "@/lib/db/client";
import type { SqlSession } from "@/lib/db/migrate";
import { env } from "@/lib/env";
import { stackEnv } from "./stack-env";

/**
 * A fresh, empty database for one test file, on the back end chosen by
 * VD_TEST_DB: `postgres` (a new database on the stack's PostgreSQL) or `pglite`
 * (the default: an embedded database in a new temp dir).
 *
 * The app reads its database settings through lib/env.ts, which parses
 * process.env once per module instance. Vitest gives every test file its own
 * module instances, so: call testDatabase() once per file, in beforeAll, before
 * anything calls env(), prepareDatabase() or db(); call drop() in afterAll.
 *
 *   let tdb: TestDatabase;
 *   beforeAll(async () => { tdb = await testDatabase(); await prepareDatabase(); });
 *   afterAll(() => tdb.drop());
 */
export type TestDbKind = "postgres" | "pglite";

export interface TestDatabase {
  kind: TestDbKind;
  /** postgres: the database's URL (also in process.env.DATABASE_URL). */
  url?: string;
  /** pglite: VIRTDECK_DATA_DIR (the database lives in <dir>/pglite). */
  dataDir?: string;
  /**
   * A raw SQL session on the same database, independent of the app's client.
   * PGlite allows one open instance per directory: closeDatabase() first.
   */
  session(): Promise<{ session: SqlSession; close(): Promise<void> }>;
  /** Closes the app's database handle and deletes the database. */
  drop(): Promise<void>;
}

export function testDbKind(): TestDbKind {
  const v = process.env.VD_TEST_DB ?? "pglite";
  if (v !== "postgres" && v !== "pglite") throw new Error(`VD_TEST_DB must be "postgres" or "pglite", got "${v}"`);
  return v;
}

// lib/db/client.ts keeps its handle on globalThis under this key.
function appDatabaseOpen(): boolean {
  return (globalThis as Record<symbol, unknown>)[Symbol.for("virtdeck.db")] !== undefined;
}

function assertEnvApplied(check: (e: ReturnType<typeof env>) => boolean) {
  if (!check(env())) {
    throw new Error(
      "lib/env.ts parsed process.env before testDatabase() set it. Call testDatabase() once per test file, " +
        "in beforeAll, before anything calls env(), prepareDatabase() or db().",
    );
  }
}

export async function testDatabase(): Promise<TestDatabase> {
  if (appDatabaseOpen())
    throw new Error("The app database is already open: call closeDatabase() before testDatabase().");
  return testDbKind() === "postgres" ? postgresDatabase() : pgliteDatabase();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function postgresDatabase(): Promise<TestDatabase> {
  const admin = stackEnv().pgUrl;
  const name = `vd_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const c = new pg.Client({ connectionString: admin });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await c.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  process.env.DATABASE_URL = url;
  assertEnvApplied((e) => e.DATABASE_URL === url);

  return {
    kind: "postgres",
    url,
    async session() {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return {
        session: {
          exec: async (sql) => {
            await client.query(sql);
          },
          query: async <T>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as T[],
        },
        close: () => client.end(),
      };
    },
    async drop() {
      await closeDatabase();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

async function pgliteDatabase(): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "vd-test-pglite-"));
  delete process.env.DATABASE_URL;
  process.env.VIRTDECK_DATA_DIR = dataDir;
  assertEnvApplied((e) => e.DATABASE_URL === undefined && path.resolve(e.VIRTDECK_DATA_DIR) === dataDir);

  return {
    kind: "pglite",
    dataDir,
    async session() {
      if (appDatabaseOpen()) throw new Error("PGlite opens a directory once: call closeDatabase() before session().");
      const p = new PGlite(path.join(dataDir, "pglite"));
      await p.waitReady;
      return {
        session: {
          exec: async (sql) => {
            await p.exec(sql);
          },
          query: async <T>(sql: string, params?: unknown[]) => (await p.query<T>(sql, params)).rows,
        },
        close: () => p.close(),
      };
    },
    async drop() {
      // A background reconnect (fleet events, task heartbeats) still settling may reopen the
      // database while the directory goes: close again and retry until it stays gone.
      for (let attempt = 0; ; attempt++) {
        await closeDatabase();
        try {
          await rm(dataDir, { recursive: true, force: true, maxRetries: 3, retryDelay: 100 });
          if (!appDatabaseOpen() || attempt >= 4) break;
        } catch (err) {
          if (attempt >= 4) throw err;
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      await closeDatabase();
    },
  };
}
