import { describe, expect, it } from "vitest";
import { virshIfaceNames } from "./names-parse";

describe("virshIfaceNames", () => {
  it("reads the first column of iface-list (real libvirt output)", () => {
    const out = [
      " Name         State      MAC Address",
      "--------------------------------------------",
      " lo           inactive   00:00:00:00:00:00",
      " vd3nb7c911   active     1e:47:75:5f:4c:e3",
      "",
    ].join("\n");
    expect(virshIfaceNames(out)).toEqual(["lo", "vd3nb7c911"]);
  });
  it("reads an empty table", () => {
    expect(virshIfaceNames(" Name   State   MAC Address\n---------------------\n\n")).toEqual([]);
  });
});
