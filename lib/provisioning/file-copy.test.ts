import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  FILE_COPY_EXISTS,
  fileCopyArgv,
  fileCopyPlan,
  fileNameSafe,
  parseAllocated,
  parseAllocatedLines,
  type FileCopyFacts,
} from "./file-copy";

const facts: FileCopyFacts = {
  format: "qcow2",
  srcFormat: "qcow2",
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
    ["conversion", { format: "raw" }],
    ["conversion from the declared source format", { srcFormat: "raw" }],
    ["shrink", { capacityBytes: 999 }],
    ["existing volume", { destExists: true }],
    ["path in the name", { name: "../etc/x" }],
    ["no target path", { pool: { ...facts.pool, targetPath: undefined } }],
  ])("refuses a %s", (_l, over) => {
    expect(fileCopyPlan({ ...facts, ...over })).toHaveProperty("reason");
  });
  it("decides by the declared formats, never by libvirt's probe of the source", () => {
    // A raw disk whose bytes a guest made into a qcow2 header: libvirt reports qcow2 with a backing file.
    const probed = { ...facts.src, format: "qcow2", backingPath: "/etc/shadow" };
    expect(fileCopyPlan({ ...facts, format: "raw", srcFormat: "raw", name: "vm1.raw", src: probed })).toEqual({
      srcPath: "/mnt/q/base.qcow2",
      dstPath: "/var/lib/p/vm1.raw",
    });
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
  it("takes the newest complete progress line and keeps the unfinished rest", () => {
    expect(parseAllocatedLines("8 512\n16 512\n24 5")).toEqual({ allocated: 8192, rest: "24 5" });
    expect(parseAllocatedLines("8 512")).toEqual({ allocated: null, rest: "8 512" });
    expect(parseAllocatedLines("8 512\ngarbage\n")).toEqual({ allocated: 4096, rest: "" });
  });
});

describe("fileCopyArgv (run by the real sh and cp)", () => {
  const run = (src: string, dst: string) => {
    const [cmd, ...args] = fileCopyArgv(src, dst, 60);
    return spawnSync(cmd, args, { encoding: "utf8" }).status;
  };
  it("copies, and never overwrites an existing file (exit 17, content kept)", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vd-file-copy-"));
    try {
      const src = path.join(dir, "a b'$(x).qcow2");
      writeFileSync(src, "image bytes");
      const dst = path.join(dir, "-new.qcow2");
      expect(run(src, dst)).toBe(0);
      expect(readFileSync(dst, "utf8")).toBe("image bytes");
      writeFileSync(dst, "someone else's");
      expect(run(src, dst)).toBe(FILE_COPY_EXISTS);
      expect(readFileSync(dst, "utf8")).toBe("someone else's");
      // A missing source fails with cp's own status and creates nothing.
      expect(run(path.join(dir, "missing"), path.join(dir, "x"))).toBe(1);
      expect(existsSync(path.join(dir, "x"))).toBe(false);
      // A dangling symlink at the destination counts as existing: nothing is written through it.
      symlinkSync(path.join(dir, "elsewhere"), path.join(dir, "link"));
      expect(run(src, path.join(dir, "link"))).toBe(FILE_COPY_EXISTS);
      expect(existsSync(path.join(dir, "elsewhere"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("fileCopyArgv progress (real sh, cp and stat)", () => {
  it("prints the destination's allocation while cp runs", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "vd-file-copy-"));
    try {
      // A FIFO source keeps cp running until the writer closes it.
      const src = path.join(dir, "src");
      expect(spawnSync("mkfifo", [src]).status).toBe(0);
      const dst = path.join(dir, "dst");
      const [cmd, ...args] = fileCopyArgv(src, dst, 60);
      const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
      const w = createWriteStream(src);
      const chunk = Buffer.alloc(1 << 20, 7);
      w.write(chunk);
      // Wait for two progress lines at most 0.5 s apart, then end the source.
      const deadline = Date.now() + 10_000;
      while (out.split("\n").filter((l) => parseAllocated(l) !== null).length < 2 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      w.end(chunk);
      expect(await exited).toBe(0);
      const seen = out
        .split("\n")
        .map(parseAllocated)
        .filter((n): n is number => n !== null);
      expect(seen.length).toBeGreaterThanOrEqual(2);
      expect(Math.max(...seen)).toBeGreaterThanOrEqual(1 << 20);
      expect(readFileSync(dst).length).toBe(2 << 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
