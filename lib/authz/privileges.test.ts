import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PRIVILEGES } from "./privileges";

// The built-in roles are rows seeded by the access-control migration; read them from its SQL.
function builtinRoles(): Record<string, string[]> {
  const dir = path.resolve(import.meta.dirname, "../../prisma/migrations");
  const name = readdirSync(dir).find((d) => d.endsWith("_access_control"))!;
  const sql = readFileSync(path.join(dir, name, "migration.sql"), "utf8");
  const out: Record<string, string[]> = {};
  for (const m of sql.matchAll(/\('(\w+)', '\w+', '[^']*', true,\s*ARRAY\[([^\]]*)\]/g)) {
    out[m[1]] = [...m[2].matchAll(/'([^']+)'/g)].map((x) => x[1]);
  }
  // Later migrations add privileges to built-in roles with array_cat.
  for (const later of readdirSync(dir).filter((d) => d > name && !d.includes("."))) {
    const text = readFileSync(path.join(dir, later, "migration.sql"), "utf8");
    const re =
      /UPDATE "AccessRole" SET "privileges" = array_cat\("privileges", ARRAY\[([^\]]*)\]\) WHERE "id" IN \(([^)]*)\)/g;
    for (const m of text.matchAll(re)) {
      const added = [...m[1].matchAll(/'([^']+)'/g)].map((x) => x[1]);
      for (const id of [...m[2].matchAll(/'([^']+)'/g)].map((x) => x[1])) out[id] = [...(out[id] ?? []), ...added];
    }
  }
  return out;
}

describe("built-in roles", () => {
  const roles = builtinRoles();

  it("are admin, operator, helpdesk and viewer, naming only known privileges", () => {
    expect(Object.keys(roles).sort()).toEqual(["admin", "helpdesk", "operator", "viewer"]);
    for (const privileges of Object.values(roles)) for (const p of privileges) expect(PRIVILEGES).toContain(p);
  });

  it("give user and audit administration to admin only", () => {
    expect([...roles.admin].sort()).toEqual([...PRIVILEGES].sort());
    expect(roles.operator).not.toContain("user.manage");
    expect(roles.operator).not.toContain("audit.view");
    expect(roles.operator).toContain("vm.power");
  });

  it("let helpdesk view and open consoles but not power VMs; viewers only look", () => {
    expect([...roles.helpdesk].sort()).toEqual(["vm.console", "vm.view"]);
    expect([...roles.viewer].sort()).toEqual(["host.view", "vm.view"]);
  });
});
