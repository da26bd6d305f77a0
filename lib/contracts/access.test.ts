import { describe, expect, it } from "vitest";
import { privilegesOffered } from "./access";

describe("privilegesOffered", () => {
  it("leaves out the privileges of features not built yet", () => {
    const offered = privilegesOffered();
    expect(offered).toContain("vm.console");
    expect(offered).toContain("network.manage");
    expect(offered).not.toContain("vm.snapshot");
    expect(offered).toContain("vm.migrate");
  });

  it("keeps one a role already holds, so editing the role can drop it", () => {
    expect(privilegesOffered(["vm.view", "vm.snapshot"])).toContain("vm.snapshot");
  });
});
