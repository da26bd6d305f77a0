import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { imageRefusal, looksLikeQcow2, parseQemuImgInfo } from "./qemu-img-info-parse";
import { parseVolList } from "./vol-list-parse";

const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");

describe("qemu-img info", () => {
  it("accepts a self-contained qcow2", () => {
    const info = parseQemuImgInfo(fixture("qemu-img-info-plain.json"));
    expect(info).toEqual({ format: "qcow2", virtualSizeBytes: 1048576 });
    expect(imageRefusal(info)).toBeNull();
  });
  it("refuses a qcow2 whose backing file is /etc/shadow", () => {
    const info = parseQemuImgInfo(fixture("qemu-img-info-backing.json"));
    expect(info.backingFile).toBe("/etc/shadow");
    expect(imageRefusal(info)).toBe("the image has a backing file (/etc/shadow)");
  });
  it("refuses a qcow2 with an external data file", () => {
    const info = parseQemuImgInfo(fixture("qemu-img-info-datafile.json"));
    expect(info.dataFile).toBe("/tmp/vdfx-data.raw");
    expect(imageRefusal(info)).toMatch(/external data file/);
  });
  it("spots a qcow2 header", () => {
    expect(looksLikeQcow2(new Uint8Array([0x51, 0x46, 0x49, 0xfb, 0]))).toBe(true);
    expect(looksLikeQcow2(new Uint8Array([0x43, 0x44, 0x30, 0x30]))).toBe(false);
  });
});

describe("vol-list", () => {
  // `virsh -q vol-list POOL` on libvirt 9.0: padded columns, names with spaces.
  const OUT = [
    " base.qcow2           /var/lib/vd/pool/base.qcow2",
    " my disk (copy).img   /var/lib/vd/pool/my disk (copy).img",
    " grub.iso             /var/lib/vd/pool/grub.iso",
    "",
  ].join("\n");
  it("splits at the pool's target path", () => {
    expect(parseVolList(OUT, "/var/lib/vd/pool")).toEqual([
      { name: "base.qcow2", path: "/var/lib/vd/pool/base.qcow2" },
      { name: "my disk (copy).img", path: "/var/lib/vd/pool/my disk (copy).img" },
      { name: "grub.iso", path: "/var/lib/vd/pool/grub.iso" },
    ]);
  });
  it("falls back to the column gap without a target path, and skips headers", () => {
    const withHeader = " Name    Path\n------------------\n disk1   /dev/vg/disk1\n";
    expect(parseVolList(withHeader)).toEqual([{ name: "disk1", path: "/dev/vg/disk1" }]);
  });
});
