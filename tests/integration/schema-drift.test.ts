// prisma/migrations must produce exactly prisma/schema.prisma. Prisma's wasm
// schema engine applies the migrations to a throwaway database and diffs the
// result against the schema (scripts/lib-schema-engine.ts, also behind
// `npm run db:drift`). Needs no daemon with VD_TEST_DB=pglite (the default);
// with VD_TEST_DB=postgres the throwaway databases live on the stack's server.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MIGRATIONS_DIR,
  openSchemaEngine,
  readMigrations,
  readSchema,
  schemaFromString,
  type SchemaEngineSession,
} from "@/scripts/lib-schema-engine";
import { stackEnv } from "./helpers/stack-env";

const backend = process.env.VD_TEST_DB === "postgres" ? "postgres" : "pglite";

describe(`schema drift (${backend})`, () => {
  let engine: SchemaEngineSession;
  let tmp: string;

  beforeAll(async () => {
    engine = await openSchemaEngine({ url: backend === "postgres" ? stackEnv().pgUrl : undefined });
    tmp = await mkdtemp(path.join(tmpdir(), "vd-schema-drift-"));
  });
  afterAll(async () => {
    await engine?.close();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("applying every migration yields exactly prisma/schema.prisma", async () => {
    const diff = await engine.diffMigrationsToSchema(await readMigrations(), await readSchema());
    expect(diff.sql, "prisma/migrations lack this SQL; run: npm run db:migration:create -- <name>").toBe("");
    expect(diff.empty).toBe(true);
  });

  it("reports a model that no migration creates", async () => {
    const schema = await readSchema();
    const extra = schemaFromString(
      `${schema.files[0].content}\nmodel DriftProbe {\n  id    Int    @id\n  label String @unique\n}\n`,
    );
    const diff = await engine.diffMigrationsToSchema(await readMigrations(), extra);
    expect(diff.empty).toBe(false);
    expect(diff.sql).toContain('CREATE TABLE "DriftProbe"');
    expect(diff.sql).toContain('CREATE UNIQUE INDEX "DriftProbe_label_key" ON "DriftProbe"("label")');
  });

  it("fails on a migration that does not apply, instead of ignoring it", async () => {
    const dir = path.join(tmp, "broken");
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    await mkdir(path.join(dir, "29991231235959_broken"));
    await writeFile(
      path.join(dir, "29991231235959_broken", "migration.sql"),
      'ALTER TABLE "User" ADD COLUMN "probe" TEXT;\nSELECT * FROM "NoSuchTable";\n',
    );
    await expect(engine.diffMigrationsToSchema(await readMigrations(dir), await readSchema())).rejects.toThrow(
      /29991231235959_broken` failed to apply cleanly/,
    );
  });
});
