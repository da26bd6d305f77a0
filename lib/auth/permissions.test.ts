import { describe, expect, it } from "vitest";
import { roleCan } from "./permissions";

describe("roleCan", () => {
  it("gives user and audit administration to admins only", () => {
    expect(roleCan("admin", "user.manage")).toBe(true);
    expect(roleCan("operator", "user.manage")).toBe(false);
    expect(roleCan("helpdesk", "user.manage")).toBe(false);
    expect(roleCan("operator", "audit.view")).toBe(false);
  });

  it("lets helpdesk view and open consoles but not power VMs", () => {
    expect(roleCan("helpdesk", "vm.console")).toBe(true);
    expect(roleCan("helpdesk", "vm.power")).toBe(false);
    expect(roleCan("operator", "vm.power")).toBe(true);
  });
});
