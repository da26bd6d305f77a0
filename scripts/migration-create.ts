// `npm run db:migration:create -- <name>`: writes the next migration,
// prisma/migrations/<UTC timestamp>_<name>/migration.sql, holding the SQL that
// takes a database from the end of the current migration history to
// prisma/schema.prisma. Works offline: Prisma's wasm schema engine computes it
// on throwaway databases (see scripts/lib-schema-engine.ts).
//
// `npm run db:drift` (this script with --check): exits 0 when applying every
// migration yields exactly prisma/schema.prisma, else prints the missing SQL and
// exits 1.
//
// Options: --schema <file>, --migrations <dir> (defaults: the project's).
// SCHEMA_ENGINE_DATABASE_URL=postgresql://... uses throwaway databases on that
// server instead of in-memory PGlite.
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import {
  LOCKFILE_CONTENT,
  LOCKFILE_NAME,
  MIGRATIONS_DIR,
  readMigrations,
  readSchema,
  ROOT,
  SCHEMA_PATH,
  SchemaEngineError,
  withSchemaEngine,
} from "./lib-schema-engine";

const NAME_RE = /^[a-z0-9_]+$/;
/** The engine refuses longer names (MigrationNameTooLong). */
const NAME_MAX = 200;

const USAGE = `Usage:
  npm run db:migration:create -- <name>     name: ${NAME_RE.source}, e.g. add_host_tags
  npm run db:drift                          check prisma/migrations against prisma/schema.prisma
Options: --schema <file>  --migrations <dir>`;

class UsageError extends Error {}

/** UTC YYYYMMDDHHMMSS, as Prisma names migration directories. */
export function timestamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

function fromTimestamp(ts: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(ts)!;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

/**
 * Now, unless the newest existing migration carries a later timestamp (clock
 * skew, or hand-picked names like 20261123020000_hosts): migrations apply in name
 * order, so the new one must sort last.
 */
export function nextTimestamp(existing: string[], now = new Date()): string {
  let ts = timestamp(now);
  const last = existing
    .map((n) => /^(\d{14})_/.exec(n)?.[1])
    .filter((t): t is string => !!t)
    .sort()
    .at(-1);
  if (last && ts <= last) ts = timestamp(new Date(fromTimestamp(last).getTime() + 1000));
  return ts;
}

/** Statements in generated SQL that can lose data or fail on tables that already hold rows. */
export function riskyLines(sql: string): string[] {
  const created = new Set([...sql.matchAll(/^CREATE TABLE ("[^"]+"(?:\."[^"]+")?)/gm)].map((m) => m[1]));
  const risky = [
    /\bDROP (TABLE|COLUMN|TYPE|SCHEMA)\b/i,
    /\bSET DATA TYPE\b/i,
    /\bSET NOT NULL\b/i,
    /\bADD COLUMN\b(?!.*\bDEFAULT\b).*\bNOT NULL\b/i,
  ];
  return sql
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => {
      if (l.startsWith("--")) return false;
      const unique = /^CREATE UNIQUE INDEX .* ON ("[^"]+"(?:\."[^"]+")?)/.exec(l);
      if (unique) return !created.has(unique[1]); // existing rows may hold duplicates
      return risky.some((r) => r.test(l));
    });
}

function rel(p: string): string {
  return path.relative(process.cwd(), p) || ".";
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        check: { type: "boolean", default: false },
        schema: { type: "string", default: SCHEMA_PATH },
        migrations: { type: "string", default: MIGRATIONS_DIR },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const schemaPath = path.resolve(values.schema);
  const migrationsDir = path.resolve(values.migrations);

  let name = "";
  if (!values.check) {
    if (positionals.length !== 1) throw new UsageError("Give exactly one migration name.");
    name = positionals[0];
    if (!NAME_RE.test(name)) throw new UsageError(`Invalid migration name "${name}": use only a-z, 0-9 and _.`);
    if (name.length > NAME_MAX) throw new UsageError(`Migration name is longer than ${NAME_MAX} characters.`);
  } else if (positionals.length > 0) {
    throw new UsageError("--check takes no migration name.");
  }

  const started = Date.now();
  const schema = await readSchema(schemaPath);
  const migrations = await readMigrations(migrationsDir);
  const { diff, backend } = await withSchemaEngine(
    async (s) => ({ diff: await s.diffMigrationsToSchema(migrations, schema), backend: s.backend }),
    { schema },
  );
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  const what = `${migrations.migrationDirectories.length} migration(s) in ${rel(migrationsDir)} vs ${rel(schemaPath)}`;

  if (values.check) {
    if (diff.empty) {
      console.log(`No drift: ${what} (${backend}, ${secs}s).`);
      return 0;
    }
    console.error(`Drift: ${what}. The migrations lack this SQL (${backend}, ${secs}s):\n`);
    process.stdout.write(diff.sql);
    console.error(`\nCreate a migration for it: npm run db:migration:create -- <name>`);
    return 1;
  }

  if (diff.empty) {
    console.log(`No schema changes: ${what} (${backend}, ${secs}s). Nothing written.`);
    return 0;
  }

  const dirName = `${nextTimestamp(migrations.migrationDirectories.map((d) => d.path))}_${name}`;
  const dir = path.join(migrationsDir, dirName);
  await mkdir(migrationsDir, { recursive: true });
  if (migrations.lockfile.content === null) {
    await writeFile(path.join(migrationsDir, LOCKFILE_NAME), LOCKFILE_CONTENT, { flag: "wx" });
    console.log(`Created ${rel(path.join(migrationsDir, LOCKFILE_NAME))}`);
  }
  await mkdir(dir); // fails if it exists
  const file = path.join(dir, "migration.sql");
  await writeFile(file, diff.sql, { flag: "wx" });

  console.log(`Created ${rel(file)} (${backend}, ${secs}s):\n`);
  process.stdout.write(diff.sql);
  const risky = riskyLines(diff.sql);
  if (risky.length) {
    console.warn(
      `\nReview before committing: these statements can lose data or fail on tables that already have rows:\n` +
        risky.map((l) => `  ${l}`).join("\n"),
    );
  }
  return 0;
}

if (path.resolve(process.argv[1] ?? "") === path.join(ROOT, "scripts/migration-create.ts")) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      if (e instanceof UsageError) console.error(`${e.message}\n\n${USAGE}`);
      else if (e instanceof SchemaEngineError)
        console.error(`Schema engine: ${e.message}${e.code ? ` (${e.code})` : ""}`);
      else console.error(e);
      process.exitCode = 1;
    },
  );
}
