import { describe, expect, it } from "vitest";
import { navItemActive, navItemsFor } from "@/components/shell/nav-items";

const ADMIN = ["vm.view", "host.view", "host.manage", "template.use", "user.manage", "audit.view"];
const OPERATOR = ["vm.view", "host.view", "host.manage", "template.use"];

describe("navItemsFor", () => {
  it("shows the administration entries to holders of user.manage / audit.view globally", () => {
    expect(navItemsFor({ globalPrivileges: ADMIN, anyPrivileges: ADMIN }).map((i) => i.key)).toEqual([
      "dashboard",
      "hosts",
      "vms",
      "templates",
      "storage",
      "networks",
      "users",
      "groups",
      "roles",
      "audit",
      "security",
    ]);
    expect(navItemsFor({ globalPrivileges: OPERATOR, anyPrivileges: OPERATOR }).map((i) => i.key)).toEqual([
      "dashboard",
      "hosts",
      "vms",
      "templates",
      "storage",
      "networks",
    ]);
  });

  it("a user.manage held on one host only does not show Users; host.view on one host shows Hosts", () => {
    const keys = navItemsFor({ globalPrivileges: [], anyPrivileges: ["user.manage", "host.view"] }).map((i) => i.key);
    expect(keys).not.toContain("users");
    expect(keys).toContain("hosts");
  });

  it("a helpdesk user granted one VM sees the dashboard and the VM list only: no link that would answer 403", () => {
    const keys = navItemsFor({ globalPrivileges: [], anyPrivileges: ["vm.view", "vm.console"] }).map((i) => i.key);
    expect(keys).toEqual(["dashboard", "vms"]);
  });

  it("templates need template.use, storage and networks host.view, somewhere", () => {
    const keys = navItemsFor({ globalPrivileges: [], anyPrivileges: ["vm.view", "template.use"] }).map((i) => i.key);
    expect(keys).toEqual(["dashboard", "vms", "templates"]);
  });
});

describe("navItemActive", () => {
  it("matches the page and its children, not a sibling with the same prefix", () => {
    expect(navItemActive({ href: "/vms" }, "/vms")).toBe(true);
    expect(navItemActive({ href: "/vms" }, "/vms/7d3c/console")).toBe(true);
    expect(navItemActive({ href: "/vms" }, "/vmsx")).toBe(false);
    expect(navItemActive({ href: "/hosts" }, "/vms")).toBe(false);
    expect(navItemActive({ href: "/" }, "/")).toBe(true);
    expect(navItemActive({ href: "/" }, "/vms")).toBe(false);
  });
});
