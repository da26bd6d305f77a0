// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded
// PGlite database when unset) and exits. The server also does this at start.
import { closeDatabase, prepareDatabase } from "@/lib/db/client";

try {
  const r = await prepareDatabase();
  for (const w of r.warnings) console.warn(`warning: ${w}`);
  console.log(
    r.applied.length
      ? `Applied ${r.applied.length} migration(s): ${r.applied.join(", ")}`
      : `Database is up to date (${r.alreadyApplied.length} migration(s) applied).`,
  );
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await closeDatabase();
}
