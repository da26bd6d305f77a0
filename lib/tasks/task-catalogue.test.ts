import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import "@/lib/tasks/handlers";
import { runtime } from "@/lib/tasks/registry";
import { catalogueLoad } from "@/lib/i18n/catalogue";
import { LOCALES } from "@/lib/i18n/config";
import { migrationProgressText } from "@/lib/migration/progress-text";
import type { MigrationJobInfo } from "@/lib/libvirt/migration-jobinfo";
import { taskTextFields, type TaskText } from "./task-text";

/**
 * Every task text the server writes has its message in the "tasks" catalogue of every language, and every
 * registered task kind has a readable name: a missing one shows in the task list as a raw key
 * ("backup.run") or as English in a French page.
 */
const root = path.resolve(import.meta.dirname, "../..");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "generated" || e.name === "__fixtures__" ? [] : sources(p);
    return /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [p] : [];
  });
}

/** Keys written as `msg("lines.x")` (task-text's msg) or as a title's `{ key: "titles.x" }`, with the file using each. */
function usedKeys(): Map<string, string> {
  const keys = new Map<string, string>();
  for (const file of sources(path.join(root, "lib"))) {
    const text = readFileSync(file, "utf8");
    if (!/import \{[^}]*\bmsg\b[^}]*\} from "(@\/lib\/tasks|\.)\/task-text"/.test(text) && !/titleMessage/.test(text))
      continue;
    for (const m of text.matchAll(/\bmsg\(\s*"([^"]+)"|\bkey:\s*"((?:titles|steps|lines)\.[^"]+)"/g))
      keys.set(m[1] ?? m[2]!, path.relative(root, file));
  }
  return keys;
}

function lookup(tree: unknown, key: string): unknown {
  return key.split(".").reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], tree);
}

describe("task message catalogue", () => {
  const keys = usedKeys();

  it("finds the task texts of the features (the scan itself works)", () => {
    expect(keys.get("lines.backupFirst")).toBe("lib/backup/plan.ts");
    expect(keys.get("titles.vmMigrate")).toBe("lib/migration/service.ts");
    expect(keys.size).toBeGreaterThan(60);
  });

  it.each(LOCALES)("%s has every key the server writes", async (locale) => {
    const tasks = (await catalogueLoad(locale)).tasks;
    const missing = [...keys].filter(([k]) => typeof lookup(tasks, k) !== "string").map(([k, f]) => `${k} (${f})`);
    expect(missing).toEqual([]);
  });

  it.each(LOCALES)("%s names every registered task kind", async (locale) => {
    const tasks = (await catalogueLoad(locale)).tasks;
    const kinds = [...runtime().handlers.keys()];
    expect(kinds).toEqual(expect.arrayContaining(["vm.create", "backup.run", "vm.migrate"]));
    expect(kinds.filter((k) => typeof lookup(tasks, `kinds.${k}`) !== "string")).toEqual([]);
  });

  it("writes numbers in the reader's format and keeps the English lines as they were", () => {
    const done = taskTextFields({
      key: "lines.backupDone",
      params: { id: "p1", kind: "incremental", mib: 1536.5, seconds: 2.5, rate: 614.6 },
    });
    expect(done.text).toBe("Backup point p1 complete: incremental, 1,536.5 MiB stored in 2.5 s (614.6 MiB/s)");
    expect(
      taskTextFields({
        key: "lines.backupStarting",
        params: { kind: "full", checkpoint: "", disks: "vda (qcow2)", repository: "r", host: "h", staged: "none" },
      }).text,
    ).toBe("Full backup of vda (qcow2) to r on h");
  });

  it("says what a migration job reports, and only that", () => {
    const job: MigrationJobInfo = {
      jobType: 2,
      phase: "copying",
      elapsedMs: 900,
      dataTotal: 3 * 1048576,
      dataProcessed: 1048576,
      dataRemaining: 2 * 1048576,
      memoryDirtyRate: 0,
      memoryIteration: 1,
      downtimeMs: null,
      expectedDowntimeMs: 300,
    };
    const english = (t: TaskText) => taskTextFields(t).text;
    expect(english(migrationProgressText(job))).toBe("Copying: 1 MiB sent, 2 MiB remaining, expected downtime 300 ms");
    expect(english(migrationProgressText({ ...job, memoryDirtyRate: 12, expectedDowntimeMs: null }))).toBe(
      "Copying: 1 MiB sent, 2 MiB remaining, 12 pages/s dirtied",
    );
    expect(english(migrationProgressText({ ...job, phase: "setup", dataProcessed: null }))).toBe("Setting up");
  });
});
