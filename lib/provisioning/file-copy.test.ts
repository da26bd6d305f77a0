import { describe, expect, it } from "vitest";
import { fileCopyPlan, fileNameSafe, parseAllocated, type FileCopyFacts } from "./file-copy";

const facts: FileCopyFacts = {
  format: "qcow2",
  capacityBytes: 1000,
  name: "vm1.qcow2",
  pool: { name: "p", type: "dir", capacityBytes: 0, allocationBytes: 0, availableBytes: 0, targetPath: "/var/lib/p/" },
  srcPool: { name: "q", type: "fs", capacityBytes: 0, allocationBytes: 0, availableBytes: 0, targetPath: "/mnt/q" },
  src: { name: "base.qcow2", path: "/mnt/q/base.qcow2", format: "qcow2", capacityBytes: 1000, allocationBytes: 500 },
  destExists: false,
};

describe("fileCopyPlan", () => {
  it("copies into the target pool's directory", () => {
    expect(fileCopyPlan(facts)).toEqual({ srcPath: "/mnt/q/base.qcow2", dstPath: "/var/lib/p/vm1.qcow2" });
  });
  it.each<[string, Partial<FileCopyFacts>]>([
    ["block pool", { pool: { ...facts.pool, type: "logical" } }],
    ["source in an iSCSI pool", { srcPool: { ...facts.srcPool, type: "iscsi" } }],
    ["backing chain", { src: { ...facts.src, backingPath: "/b" } }],
    ["conversion", { format: "raw" }],
    ["shrink", { capacityBytes: 999 }],
    ["existing volume", { destExists: true }],
    ["path in the name", { name: "../etc/x" }],
    ["no target path", { pool: { ...facts.pool, targetPath: undefined } }],
  ])("refuses a %s", (_l, over) => {
    expect(fileCopyPlan({ ...facts, ...over })).toHaveProperty("reason");
  });
  it("allows a larger capacity (resized after the copy)", () => {
    expect(fileCopyPlan({ ...facts, capacityBytes: 2000 })).toHaveProperty("dstPath");
  });
});

describe("file names and stat output", () => {
  it("accepts plain names only", () => {
    expect(fileNameSafe("a b'c.qcow2")).toBe(true);
    for (const n of ["", ".", "..", "-rf", "a/b", "a\nb"]) expect(fileNameSafe(n)).toBe(false);
  });
  it("parses stat's blocks and block size", () => {
    expect(parseAllocated("8 512\n")).toBe(4096);
    expect(parseAllocated("stat: cannot stat")).toBeNull();
  });
});
