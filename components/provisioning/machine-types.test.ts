import { describe, expect, it } from "vitest";
import { machineTypeGroups } from "./machine-types";

describe("machineTypeGroups", () => {
  it("puts the q35/pc aliases first, then each family newest first, then the rest", () => {
    const groups = machineTypeGroups([
      "pc-i440fx-2.12",
      "microvm",
      "pc-q35-8.2",
      "pc",
      "pc-q35-10.0",
      "pc-i440fx-9.2",
      "q35",
      "pc-q35-9.2",
      "isapc",
      "pc-1.0",
      "pc-q35-9.2",
    ]);
    expect(groups).toEqual([
      { key: "recommended", types: ["q35", "pc"] },
      { key: "q35", types: ["pc-q35-10.0", "pc-q35-9.2", "pc-q35-8.2"] },
      { key: "i440fx", types: ["pc-i440fx-9.2", "pc-i440fx-2.12", "pc-1.0"] },
      { key: "other", types: ["isapc", "microvm"] },
    ]);
  });

  it("offers the aliases even when the host's list is not known yet", () => {
    expect(machineTypeGroups([])).toEqual([{ key: "recommended", types: ["q35", "pc"] }]);
  });
});
