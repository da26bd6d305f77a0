import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { imageDeclaredRefusal, imageRefusal, parseQemuImgInfo, qemuImgInfoArgv } from "./qemu-img-info-parse";
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
});

describe("an image inspected as declared", () => {
  const raw = { format: "raw", virtualSizeBytes: 1 << 20 };
  const plain = parseQemuImgInfo(fixture("qemu-img-info-plain.json"));
  const backed = parseQemuImgInfo(fixture("qemu-img-info-backing.json"));
  it("builds one argv: -U, JSON, the declared format, the path last", () => {
    const head = ["env", "LC_ALL=C.UTF-8", "qemu-img", "info", "-U", "--output=json"];
    expect(qemuImgInfoArgv({ path: "/p/a.img", format: "raw" })).toEqual([...head, "-f", "raw", "/p/a.img"]);
    expect(qemuImgInfoArgv({ path: "/p/a.img" })).toEqual([...head, "/p/a.img"]);
    expect(qemuImgInfoArgv({ path: "/p/a.img", format: "qcow2", backingChain: true })).toContain("--backing-chain");
    expect(() => qemuImgInfoArgv({ path: "-f" })).toThrow(/absolute/);
  });
  it("accepts a genuine raw disk and a self-contained qcow2", () => {
    expect(imageDeclaredRefusal("raw", raw, raw)).toBeNull();
    expect(imageDeclaredRefusal("qcow2", plain, plain)).toBeNull();
  });
  it("refuses a raw disk whose bytes are a qcow2 header (the probe disagrees)", () => {
    expect(imageDeclaredRefusal("raw", raw, backed)).toBe("it is declared raw but its bytes are a qcow2 image");
    expect(imageDeclaredRefusal("raw", raw, { format: "vmdk", virtualSizeBytes: 1 })).toMatch(/vmdk image/);
  });
  it("refuses a qcow2 with a backing or data file, and one that reads as another format", () => {
    expect(imageDeclaredRefusal("qcow2", backed, backed)).toBe("the image has a backing file (/etc/shadow)");
    expect(imageDeclaredRefusal("qcow2", parseQemuImgInfo(fixture("qemu-img-info-datafile.json")), plain)).toMatch(
      /data file/,
    );
    expect(imageDeclaredRefusal("qcow2", raw, raw)).toBe("qemu-img reads it as raw, not qcow2");
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
  it("keeps a name with spaces whole, with or without the pool's target path", () => {
    const out =
      " Name                 Path\n------------------------------------------------------\n base image.qcow2     /var/lib/pool/base image.qcow2\n two  spaces.img      /var/lib/pool/two  spaces.img\n grub.iso             /var/lib/pool/grub.iso\n";
    const want = [
      { name: "base image.qcow2", path: "/var/lib/pool/base image.qcow2" },
      { name: "two  spaces.img", path: "/var/lib/pool/two  spaces.img" },
      { name: "grub.iso", path: "/var/lib/pool/grub.iso" },
    ];
    expect(parseVolList(out, "/var/lib/pool")).toEqual(want);
    expect(parseVolList(out)[0]).toEqual(want[0]);
    expect(parseVolList("")).toEqual([]);
  });
});
