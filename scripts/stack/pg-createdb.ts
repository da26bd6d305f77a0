// Creates the database named in a PostgreSQL URL if it does not exist yet.
// Used before the e2e server starts (see playwright.config.ts):
//   npx tsx scripts/stack/pg-createdb.ts [URL]     (default: $VD_E2E_DATABASE_URL)
import pg from "pg";

const url = process.argv[2] ?? process.env.VD_E2E_DATABASE_URL;
if (!url) {
  console.error("usage: pg-createdb.ts postgres://user@host:port/dbname (or set VD_E2E_DATABASE_URL)");
  process.exit(2);
}
const target = new URL(url);
const name = decodeURIComponent(target.pathname.replace(/^\//, ""));
if (!/^[A-Za-z0-9_]+$/.test(name)) {
  console.error(`pg-createdb: refusing database name "${name}" (letters, digits, _ only)`);
  process.exit(2);
}
const admin = new URL(url);
admin.pathname = "/postgres";

const client = new pg.Client({ connectionString: admin.toString() });
await client.connect();
try {
  const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (found.rowCount === 0) {
    await client.query(`CREATE DATABASE "${name}"`);
    console.log(`pg-createdb: created ${name}`);
  }
} finally {
  await client.end();
}
