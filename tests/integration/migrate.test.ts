// The offline migration runner against a real back end: PostgreSQL or PGlite,
// chosen by VD_TEST_DB (npm test runs this file against both).
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabase, db, migrationsDir, prepareDatabase } from "@/lib/db/client";
import { MigrationError, migrationsApply, migrationsLoad, type MigrationFile } from "@/lib/db/migrate";
import { testDatabase, testDbKind, type TestDatabase } from "./helpers/test-database";

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  applied_steps_count: number;
}

// Read straight from disk, so the test does not trust the loader it checks.
async function migrationsOnDisk(): Promise<{ name: string; sha256: string }[]> {
  const dir = migrationsDir();
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => ({
      name,
      sha256: createHash("sha256")
        .update(await readFile(path.join(dir, name, "migration.sql")))
        .digest("hex"),
    })),
  );
}

describe(`migrations on ${testDbKind()}`, () => {
  let tdb: TestDatabase;
  let onDisk: { name: string; sha256: string }[];

  beforeAll(async () => {
    tdb = await testDatabase();
    onDisk = await migrationsOnDisk();
    expect(onDisk.length).toBeGreaterThan(0);
  });
  afterAll(async () => {
    await tdb?.drop();
  });

  it("prepareDatabase() applies every migration and records it with finished_at and its SHA-256", async () => {
    const result = await prepareDatabase();
    expect(result.applied).toEqual(onDisk.map((m) => m.name));
    expect(result.alreadyApplied).toEqual([]);

    const rows = await db().$queryRawUnsafe<MigrationRow[]>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count
         FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
    for (const [i, row] of rows.entries()) {
      expect(row.checksum).toBe(onDisk[i].sha256);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("a second prepareDatabase() applies nothing and records nothing new", async () => {
    const before = await db().$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    const result = await prepareDatabase();
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toEqual(onDisk.map((m) => m.name));
    expect(result.warnings).toEqual([]);
    const after = await db().$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM "_prisma_migrations"`);
    expect(after[0].n).toBe(before[0].n);
  });

  it("a failing migration throws MigrationError, is not recorded and leaves none of its tables", async () => {
    await closeDatabase(); // PGlite opens its directory once
    const { session, close } = await tdb.session();
    try {
      const sql = `CREATE TABLE "T"(id int); SELECT 1/0;`;
      const broken: MigrationFile = {
        name: "99991231000000_broken",
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
      const migrations = [...(await migrationsLoad(migrationsDir())), broken];

      const err = await migrationsApply(session, migrations).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as MigrationError).migration).toBe(broken.name);
      expect((err as MigrationError).message).toMatch(/division by zero/);

      const recorded = await session.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" WHERE migration_name = $1`,
        [broken.name],
      );
      expect(recorded).toEqual([]);
      const leftover = await session.query<{ t: string | null }>(`SELECT to_regclass('"T"')::text AS t`);
      expect(leftover[0].t).toBeNull();

      // The good migrations stay recorded, and the database still accepts work.
      const names = await session.query<{ migration_name: string }>(
        `SELECT migration_name FROM "_prisma_migrations" ORDER BY migration_name`,
      );
      expect(names.map((r) => r.migration_name)).toEqual(onDisk.map((m) => m.name));
      await expect(session.query(`SELECT 1 AS one`)).resolves.toEqual([{ one: 1 }]);
    } finally {
      await close();
    }
  });

  it("a failing migration with its own BEGIN/COMMIT is recorded as failed, never as applied, and blocks the next run", async () => {
    await closeDatabase();
    const { session, close } = await tdb.session();
    try {
      const sql = `BEGIN;\nCREATE TABLE "Inner"(id int);\nCOMMIT;\nSELECT * FROM "DoesNotExist";`;
      const broken: MigrationFile = {
        name: "99991231000001_own_tx",
        sql,
        checksum: createHash("sha256").update(sql).digest("hex"),
      };
      const migrations = [...(await migrationsLoad(migrationsDir())), broken];
      await expect(migrationsApply(session, migrations)).rejects.toThrow(/recorded as failed/);
      const rows = await session.query<MigrationRow>(
        `SELECT migration_name, checksum, finished_at, rolled_back_at, applied_steps_count FROM "_prisma_migrations" WHERE migration_name = $1`,
        [broken.name],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].finished_at).toBeNull();
      // The next start refuses instead of re-running a half-applied script.
      await expect(migrationsApply(session, migrations)).rejects.toThrow(/started but not finished/);
    } finally {
      await close();
    }
  });
});
