import { describe, expect, it } from "vitest";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checksum, migrationsLoad } from "./migrate";

describe("migrationsLoad", () => {
  it("loads migration directories in name order with Prisma-compatible SHA-256 checksums", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "vd-mig-"));
    for (const [name, sql] of [
      ["20260102_b", "SELECT 2;"],
      ["20260101_a", "SELECT 1;"],
    ]) {
      await mkdir(path.join(dir, name));
      await writeFile(path.join(dir, name, "migration.sql"), sql);
    }
    await writeFile(path.join(dir, "migration_lock.toml"), 'provider = "postgresql"');
    const files = await migrationsLoad(dir);
    expect(files.map((f) => f.name)).toEqual(["20260101_a", "20260102_b"]);
    expect(files[0].checksum).toBe(checksum("SELECT 1;"));
    expect(files[0].checksum).toBe("17db4fd369edb9244b9f91d9aeed145c3d04ad8ba6e95d06247f07a63527d11a");
  });
});

describe("ownsTransaction", () => {
  it("sees transaction control at statement level only", async () => {
    const { ownsTransaction } = await import("./migrate");
    expect(ownsTransaction('BEGIN;\nALTER TYPE "Role" RENAME TO "Role_old";\nCOMMIT;')).toBe(true);
    expect(ownsTransaction('CREATE TABLE "T"(id int);\n-- BEGIN;\n')).toBe(false);
    expect(
      ownsTransaction(`CREATE FUNCTION audit_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'append-only';
END;
$$ LANGUAGE plpgsql;`),
    ).toBe(false);
    expect(
      ownsTransaction(
        `CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nBEGIN;\nCOMMIT;`,
      ),
    ).toBe(true);
    expect(ownsTransaction(`INSERT INTO t VALUES ('BEGIN;');`)).toBe(false);
  });
});
