import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";

/**
 * Applies prisma/migrations/<name>/migration.sql files in name order and records
 * them in Prisma's own `_prisma_migrations` table (same columns, SHA-256 checksum),
 * so `prisma migrate deploy|status` keep working wherever the native engine exists.
 *
 * Each migration runs in one transaction together with its bookkeeping row: a
 * migration that fails is rolled back and never recorded as applied. Scripts that
 * manage their own transactions are recorded as started, then finished (see applyUnwrapped).
 */
export interface SqlSession {
  /** Runs a script of one or more statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
  warnings: string[];
}

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly migration?: string,
  ) {
    super(message);
    this.name = "MigrationError";
  }
}

/** Same advisory lock key Prisma's engine takes, so both never run at once. */
const ADVISORY_LOCK_KEY = 72707369;

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export function checksum(sql: string): string {
  return createHash("sha256").update(sql).digest("hex");
}

export async function migrationsLoad(dir: string): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
    files.push({ name, sql, checksum: checksum(sql) });
  }
  return files;
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | string | null;
}

/** True when the script manages transactions itself (Prisma emits BEGIN/COMMIT e.g. to remove an enum value). */
export function ownsTransaction(sql: string): boolean {
  // Function bodies ($$ ... $$ or $tag$ ... $tag$), comments and string literals may contain BEGIN.
  const code = sql
    .replace(/\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g, " ")
    .replace(/--[^\n]*/g, " ")
    .replace(/\/\*[\s\S]*?\*\//g, " ")
    .replace(/'(?:[^']|'')*'/g, "''");
  return /(^|;)\s*(BEGIN|COMMIT|START\s+TRANSACTION|ROLLBACK)\s*(;|$)/im.test(code);
}

const INSERT_ROW = `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, logs, started_at, applied_steps_count)
  VALUES ($1, $2, $3, $4, NULL, now(), $5)`;

function failure(m: MigrationFile, err: unknown, rolledBack: boolean): MigrationError {
  const reason = err instanceof Error ? err.message : String(err);
  return new MigrationError(
    rolledBack
      ? `Migration ${m.name} failed and was rolled back: ${reason}`
      : `Migration ${m.name} failed part-way and is recorded as failed (it manages its own transactions): ${reason}`,
    m.name,
  );
}

/** The usual case: script and bookkeeping row commit together or not at all. */
async function applyInTransaction(session: SqlSession, m: MigrationFile): Promise<void> {
  await session.exec("BEGIN");
  try {
    await session.exec(m.sql);
    await session.query(INSERT_ROW, [randomUUID(), m.checksum, new Date(), m.name, 1]);
    await session.exec("COMMIT");
  } catch (err) {
    await session.exec("ROLLBACK").catch(() => {});
    throw failure(m, err, true);
  }
}

/**
 * A script with its own BEGIN/COMMIT cannot be wrapped. As Prisma does, record it
 * as started first; it is marked finished only when the whole script succeeded,
 * so a failure leaves an unfinished row that blocks later starts until repaired.
 */
async function applyUnwrapped(session: SqlSession, m: MigrationFile): Promise<void> {
  const id = randomUUID();
  await session.query(INSERT_ROW, [id, m.checksum, null, m.name, 0]);
  try {
    await session.exec(m.sql);
  } catch (err) {
    await session.exec("ROLLBACK").catch(() => {});
    const reason = err instanceof Error ? err.message : String(err);
    await session.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, reason]).catch(() => {});
    throw failure(m, err, false);
  }
  await session.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [
    id,
  ]);
}

export async function migrationsApply(
  session: SqlSession,
  migrations: MigrationFile[],
  opts: { advisoryLock?: boolean } = {},
): Promise<MigrationResult> {
  const result: MigrationResult = { applied: [], alreadyApplied: [], warnings: [] };
  if (opts.advisoryLock) await session.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_KEY]);
  try {
    await session.exec(CREATE_TABLE);
    const rows = await session.query<AppliedRow>(
      `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL ORDER BY started_at`,
    );
    const failed = rows.filter((r) => r.finished_at === null);
    if (failed.length > 0) {
      throw new MigrationError(
        `Migration ${failed[0].migration_name} is recorded as started but not finished. ` +
          `Repair the database, then mark it rolled back or applied before starting virtdeck.`,
        failed[0].migration_name,
      );
    }
    const applied = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const known = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) result.warnings.push(`Migration ${name} is applied but missing from prisma/migrations.`);
    }
    for (const m of migrations) {
      const sum = applied.get(m.name);
      if (sum !== undefined) {
        if (sum !== m.checksum) result.warnings.push(`Migration ${m.name} was modified after it was applied.`);
        result.alreadyApplied.push(m.name);
        continue;
      }
      if (ownsTransaction(m.sql)) await applyUnwrapped(session, m);
      else await applyInTransaction(session, m);
      result.applied.push(m.name);
    }
  } finally {
    if (opts.advisoryLock) await session.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_KEY]).catch(() => {});
  }
  return result;
}
