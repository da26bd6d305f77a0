import { describe, expect, it } from "vitest";
import { navItemActive, navItemsFor } from "@/components/shell/nav-items";

describe("navItemsFor", () => {
  it("shows Users and Audit log to admins only", () => {
    expect(navItemsFor("admin").map((i) => i.key)).toEqual(["hosts", "vms", "templates", "storage", "networks", "users", "audit", "security"]);
    expect(navItemsFor("operator").map((i) => i.key)).toEqual(["hosts", "vms", "templates", "storage", "networks"]);
    expect(navItemsFor("helpdesk").map((i) => i.key)).not.toContain("users");
  });
});

describe("navItemActive", () => {
  it("matches the page and its children, not a sibling with the same prefix", () => {
    expect(navItemActive({ href: "/vms" }, "/vms")).toBe(true);
    expect(navItemActive({ href: "/vms" }, "/vms/7d3c/console")).toBe(true);
    expect(navItemActive({ href: "/vms" }, "/vmsx")).toBe(false);
    expect(navItemActive({ href: "/hosts" }, "/vms")).toBe(false);
  });
});
