import { describe, expect, it } from "vitest";
import { PRIVILEGES } from "@/lib/authz/privileges";
import { privilegesOffered } from "./access";

describe("privilegesOffered", () => {
  it("offers every privilege whose feature exists: snapshots, migration and backups included", () => {
    const offered = privilegesOffered();
    expect(offered).toContain("vm.console");
    expect(offered).toContain("network.manage");
    expect(offered).toContain("vm.snapshot");
    expect(offered).toContain("vm.migrate");
    expect(offered).toContain("backup.manage");
    expect(offered).toEqual([...PRIVILEGES]);
  });
});
