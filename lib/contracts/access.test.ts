import { describe, expect, it } from "vitest";
import { privilegesOffered } from "./access";

describe("privilegesOffered", () => {
  it("leaves out the privileges of features not built yet", () => {
    const offered = privilegesOffered();
    expect(offered).toContain("vm.console");
    expect(offered).toContain("network.manage");
    expect(offered).toContain("vm.snapshot");
    expect(offered).not.toContain("vm.migrate");
  });

  it("keeps one a role already holds, so editing the role can drop it", () => {
    expect(privilegesOffered(["vm.view", "vm.migrate"])).toContain("vm.migrate");
    expect(privilegesOffered(["vm.view", "vm.snapshot"])).not.toContain("vm.migrate");
  });
});
