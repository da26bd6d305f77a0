import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import { HashMeter, copyPercent, copyVerifyMethod, sha256sumParse } from "./template-image-copy-parts";

const HEX = "a".repeat(63) + "1";

describe("sha256sumParse", () => {
  it("reads the digest of sha256sum's line (text and binary mode)", () => {
    expect(sha256sumParse(`${HEX}  /var/lib/libvirt/images/base.qcow2\n`)).toBe(HEX);
    expect(sha256sumParse(`${HEX} */var/tmp/x y.raw`)).toBe(HEX);
    // A path with a newline or backslash makes sha256sum escape the line with a leading backslash.
    expect(sha256sumParse(`\\${HEX}  /var/tmp/a\\nb`)).toBe(HEX);
  });
  it("refuses anything else", () => {
    expect(sha256sumParse("")).toBeNull();
    expect(sha256sumParse("sha256sum: /x: No such file or directory")).toBeNull();
    expect(sha256sumParse(`${HEX.slice(1)}  /x`)).toBeNull();
    expect(sha256sumParse(`${HEX.toUpperCase()}  /x`)).toBeNull();
  });
});

describe("copyVerifyMethod", () => {
  it("hashes files of file pools on the host, and downloads the rest again", () => {
    expect(copyVerifyMethod("dir")).toBe("sha256sum");
    expect(copyVerifyMethod("fs")).toBe("sha256sum");
    expect(copyVerifyMethod("netfs")).toBe("sha256sum");
    expect(copyVerifyMethod("logical")).toBe("download");
    expect(copyVerifyMethod("rbd")).toBe("download");
  });
});

describe("copyPercent", () => {
  it("maps bytes done into its share of the bar", () => {
    expect(copyPercent(0, 100, 5, 90)).toBe(5);
    expect(copyPercent(50, 100, 5, 95)).toBe(50);
    expect(copyPercent(100, 100, 5, 90)).toBe(90);
    expect(copyPercent(200, 100, 5, 90)).toBe(90);
    expect(copyPercent(10, 0, 5, 90)).toBe(5);
  });
});

describe("HashMeter", () => {
  it("passes the bytes through unchanged, hashing and counting them, reporting progress", async () => {
    const chunks = [Buffer.from("hello "), Buffer.from("world"), Buffer.alloc(70_000, 7)];
    const all = Buffer.concat(chunks);
    let t = 0;
    const reports: number[] = [];
    const meter = new HashMeter({
      limit: all.length,
      onBytes: (n) => reports.push(n),
      everyMs: 10,
      now: () => (t += 6),
    });
    const out: Buffer[] = [];
    await pipeline(
      Readable.from(chunks),
      meter,
      new Writable({
        write(c: Buffer, _e, cb) {
          out.push(c);
          cb();
        },
      }),
    );
    expect(Buffer.concat(out).equals(all)).toBe(true);
    expect(meter.bytes).toBe(all.length);
    expect(meter.digest()).toBe(createHash("sha256").update(all).digest("hex"));
    expect(reports.at(-1)).toBe(all.length);
    expect(reports.length).toBeGreaterThanOrEqual(2);
  });
  it("fails a stream longer than the source's size", async () => {
    const meter = new HashMeter({ limit: 4 });
    await expect(
      pipeline(
        Readable.from([Buffer.from("12345")]),
        meter,
        new Writable({
          write(_c, _e, cb) {
            cb();
          },
        }),
      ),
    ).rejects.toThrow(/more than its 4 bytes/);
  });
});
