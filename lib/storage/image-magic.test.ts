import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { HEAD_BYTES, ImageMagicCollector, imageMagicDetect, TAIL_BYTES } from "./image-magic";

const bytes = (...parts: (string | number[] | Uint8Array)[]) => {
  const out: number[] = [];
  for (const p of parts) {
    if (typeof p === "string") for (const c of p) out.push(c.charCodeAt(0));
    else out.push(...p);
  }
  return Uint8Array.from(out);
};
const pad = (head: Uint8Array, n = HEAD_BYTES) => {
  const out = new Uint8Array(Math.max(n, head.length));
  out.set(head);
  return out;
};
const at = (offset: number, magic: Uint8Array) => {
  const out = new Uint8Array(HEAD_BYTES);
  out.set(magic, offset);
  return out;
};

/** Feeds `data` in chunks of `size` bytes (1 = a byte per chunk) and judges the whole stream. */
function streamed(data: Uint8Array, size: number) {
  const c = new ImageMagicCollector();
  for (let i = 0; i < data.length; i += size) c.push(data.subarray(i, i + size));
  return c.detect();
}

describe("image format magic", () => {
  it("sees no format in raw data, zeros or an ISO 9660 image", () => {
    expect(imageMagicDetect(new Uint8Array(HEAD_BYTES))).toBeNull();
    expect(imageMagicDetect(pad(bytes("hello world\n")))).toBeNull();
    expect(imageMagicDetect(pad(bytes([0xeb, 0x63, 0x90])))).toBeNull(); // an MBR boot sector
    expect(imageMagicDetect(new Uint8Array(0))).toBeNull();
  });

  it.each([
    ["qcow2", bytes([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3])],
    ["qcow2", bytes([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 2])],
    ["qcow", bytes([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 1])],
    ["qed", bytes("QED", [0])],
    ["vmdk", bytes("KDMV", [1, 0, 0, 0])],
    ["vmdk", bytes("COWD")],
    ["vmdk", bytes("# Disk DescriptorFile\nversion=1\n")],
    ["vmdk", bytes("version=1\n")],
    ["vmdk", bytes("# any comment\n# another\nversion=2\r\nCID=fffffffe\n")],
    ["vmdk", bytes('#\n   \nversion=3\nRW 2048 FLAT "/etc/shadow" 0\n')],
    ["vhdx", bytes("vhdxfile")],
    ["vpc", bytes("conectix")],
    ["luks", bytes("LUKS", [0xba, 0xbe, 0, 2])],
    ["bochs", bytes("Bochs Virtual HD Image", [0])],
    ["cloop", bytes("#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$0 && mount -r -t iso9660 /dev/cloop $1\n")],
    ["parallels", bytes("WithoutFreeSpace")],
    ["parallels", bytes("WithouFreSpacExt")],
    ["cow", bytes("OOOM")],
  ])("spots %s", (format, head) => {
    expect(imageMagicDetect(pad(head))).toBe(format);
    expect(imageMagicDetect(head)).toBe(format); // a file shorter than the head
  });

  it("spots a vdi by its signature at 0x40", () => {
    expect(imageMagicDetect(at(0x40, bytes([0x7f, 0x10, 0xda, 0xbe])))).toBe("vdi");
    expect(imageMagicDetect(at(0x41, bytes([0x7f, 0x10, 0xda, 0xbe])))).toBeNull();
  });

  it("spots footers in the last 512 bytes: a VHD (also 511-byte) and a DMG", () => {
    const head = new Uint8Array(HEAD_BYTES);
    const tail = (magic: string, offset = 0) => {
      const t = new Uint8Array(TAIL_BYTES);
      t.set(bytes(magic), offset);
      return t;
    };
    expect(imageMagicDetect(head, tail("conectix"))).toBe("vpc");
    expect(imageMagicDetect(head, tail("conectix", 1))).toBe("vpc");
    expect(imageMagicDetect(head, tail("koly"))).toBe("dmg");
    expect(imageMagicDetect(head, tail("koly", 8))).toBeNull();
  });

  it("is not fooled by a descriptor-like text that is not one", () => {
    expect(imageMagicDetect(pad(bytes("version=9\n")))).toBeNull();
    expect(imageMagicDetect(pad(bytes("# comment\nhello\nversion=1\n")))).toBeNull();
  });
});

describe("a stream's header, however it is chunked", () => {
  const qcow2 = pad(bytes([0x51, 0x46, 0x49, 0xfb, 0, 0, 0, 3]), 64 * 1024);
  const descriptor = pad(bytes('# Disk DescriptorFile\nversion=1\nRW 8 FLAT "/etc/shadow" 0\n'), 10_000);
  it.each([1, 2, 3, 7, 511, 512, 513, 4095, 4096, 65536])("chunks of %i bytes", (size) => {
    expect(streamed(qcow2, size)).toBe("qcow2");
    expect(streamed(descriptor, size)).toBe("vmdk");
    const vhd = new Uint8Array(20_000);
    vhd.set(bytes("conectix"), vhd.length - 512);
    expect(streamed(vhd, size)).toBe("vpc");
    expect(streamed(new Uint8Array(20_000), size)).toBeNull();
  });

  it("judges the head as soon as it is complete", () => {
    const c = new ImageMagicCollector();
    c.push(bytes([0x51, 0x46]));
    c.push(bytes([0x49]));
    expect(c.headComplete).toBe(false);
    c.push(bytes([0xfb]));
    c.push(new Uint8Array(HEAD_BYTES));
    expect(c.headComplete).toBe(true);
    expect(c.detectHead()).toBe("qcow2");
    expect(c.bytes).toBe(HEAD_BYTES + 4);
  });
});

// The real thing: headers written by this machine's qemu-img, for every format it creates.
let qemuImg = false;
try {
  execFileSync("qemu-img", ["--version"], { stdio: "ignore" });
  qemuImg = true;
} catch {}

describe.skipIf(!qemuImg)("images made by qemu-img", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "vd-magic-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (file: string) => {
    const all = readFileSync(file);
    return { head: all.subarray(0, HEAD_BYTES), tail: all.subarray(Math.max(0, all.length - TAIL_BYTES)) };
  };
  const make = (format: string, opts: string[] = []) => {
    const file = path.join(dir, `img.${format}.${opts.length}`);
    execFileSync("qemu-img", ["create", "-q", "-f", format, ...opts, file, "1M"], { stdio: "ignore" });
    return file;
  };

  it.each([
    ["qcow2", []],
    ["qcow", []],
    ["qed", []],
    ["vmdk", []],
    ["vdi", []],
    ["vhdx", []],
    ["vpc", []],
    ["parallels", []],
    // luks: creating one benchmarks its key derivation for seconds; its header is tested above.
  ])("%s", (format, opts) => {
    const { head, tail } = read(make(format, opts as string[]));
    expect(imageMagicDetect(head, tail)).toBe(format);
  });

  it("a qcow2 naming /etc/hostname as its backing file", () => {
    const file = path.join(dir, "backed.qcow2");
    execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", "-b", "/etc/hostname", "-F", "raw", file], {
      stdio: "ignore",
    });
    expect(imageMagicDetect(read(file).head)).toBe("qcow2");
  });

  it("a vmdk descriptor with its flat extent, and a fixed VHD (footer only)", () => {
    const sub = path.join(dir, "flat");
    execFileSync("mkdir", ["-p", sub]);
    execFileSync(
      "qemu-img",
      ["create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", path.join(sub, "d.vmdk"), "1M"],
      { stdio: "ignore" },
    );
    const descriptor = readdirSync(sub).find((f) => !f.includes("-flat"))!;
    expect(imageMagicDetect(read(path.join(sub, descriptor)).head)).toBe("vmdk");
    const fixed = path.join(dir, "fixed.vhd");
    execFileSync("qemu-img", ["create", "-q", "-f", "vpc", "-o", "subformat=fixed", fixed, "1M"], { stdio: "ignore" });
    const { head, tail } = read(fixed);
    expect(imageMagicDetect(head)).toBeNull();
    expect(imageMagicDetect(head, tail)).toBe("vpc");
  });
});
