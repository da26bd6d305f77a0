import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PreflightCheckSchema } from "@/lib/contracts/migration";
import { MIGRATE_DEFAULTS, migrateBody } from "./migrate-form";

const DEST = "6f1c1c1e-3a4b-4c5d-8e9f-0a1b2c3d4e5f";

describe("migrateBody", () => {
  it("sends the options of a live migration, the bandwidth as a number and only when given", () => {
    const options = { persistent: false, undefineSource: false, autoConverge: true, postcopyAfterPrecopy: true };
    expect(migrateBody(DEST, options, "", "live")).toEqual({ destHostId: DEST, ...options });
    expect(migrateBody(DEST, options, " 250 ", "live")).toEqual({ destHostId: DEST, ...options, bandwidthMiB: 250 });
    // Not whole: sent as typed, the server answers 422 naming bandwidthMiB.
    expect(migrateBody(DEST, options, "1.5", "live").bandwidthMiB).toBe(1.5);
  });

  it("sends none of the live options for an offline migration, only whether to undefine the source", () => {
    const options = { persistent: false, undefineSource: false, autoConverge: true, postcopyAfterPrecopy: true };
    expect(migrateBody(DEST, options, "100", "offline")).toEqual({
      destHostId: DEST,
      ...MIGRATE_DEFAULTS,
      undefineSource: false,
    });
  });
});

describe("migration messages", () => {
  const catalogue = (locale: string) =>
    JSON.parse(readFileSync(path.join(process.cwd(), "messages", locale, "migration.json"), "utf8")) as {
      checks: Record<string, string>;
      status: Record<string, string>;
    };

  it.each(["en", "fr"])("%s names every pre-flight check and verdict the server reports", (locale) => {
    const m = catalogue(locale);
    for (const id of PreflightCheckSchema.shape.id.options) expect(m.checks[id], id).toBeTruthy();
    for (const s of PreflightCheckSchema.shape.status.options) expect(m.status[s], s).toBeTruthy();
  });
});
