import { spawnSync } from "node:child_process";

/**
 * A bench's own database on the test stack's PostgreSQL (loopback only): created for one server,
 * dropped at the end. For figures with the database in its own process rather than embedded
 * (PGlite runs on the server's event loop).
 */

/** The test stack's PostgreSQL superuser URL (loopback), if the stack has one. */
export function stackPgUrl(envFile: string): string | undefined {
  const v =
    process.env.VD_TEST_PG_URL ||
    spawnSync("bash", ["-c", 'source "$1" >/dev/null 2>&1; printf %s "$VD_TEST_PG_URL"', "bash", envFile], {
      encoding: "utf8",
    }).stdout.trim();
  if (!v) return undefined;
  const u = new URL(v);
  if (!/^127\./.test(u.hostname) && u.hostname !== "localhost")
    throw new Error(`refusing non-loopback PostgreSQL ${u.hostname}`);
  return v;
}

/** Runs one statement as the superuser (CREATE/DROP DATABASE). */
export async function pgQuery(adminUrl: string, sql: string): Promise<void> {
  const { default: pg } = await import("pg");
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface BenchDatabase {
  admin: string;
  name: string;
  /** The URL a server connects with. */
  url: string;
}

/** Creates database `name` (letters, digits, _) on the stack's cluster. */
export async function benchDatabaseCreate(adminUrl: string, name: string): Promise<BenchDatabase> {
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await pgQuery(adminUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { admin: adminUrl, name, url: url.toString() };
}

export async function benchDatabaseDrop(d: BenchDatabase): Promise<void> {
  await pgQuery(d.admin, `DROP DATABASE IF EXISTS "${d.name}" WITH (FORCE)`);
}
