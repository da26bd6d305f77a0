import { createHash } from "node:crypto";
import { Duplex, PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { HostClient } from "@/lib/hosts/client";
import type { CommandStream } from "@/lib/hosts/transport";
import { volumeCopyBetweenHosts, volumeHashByDownload } from "./template-image-copy-stream";

/**
 * The host-to-host pipe against fake virsh channels (Duplex streams that exit like ssh2's): bytes
 * arrive unchanged and hashed, the upload's failure and a cancel stop both sides.
 */
type Fake = CommandStream & { argv: string[] };

function channel(argv: string[], o: { data?: Buffer[]; exit?: number; stderr?: string; hang?: boolean }) {
  const stderr = new PassThrough();
  const received: Buffer[] = [];
  let i = 0;
  const s = new Duplex({
    read() {
      if (!o.data) return;
      if (i < o.data.length) this.push(o.data[i++]);
      else if (!o.hang && i++ === o.data.length) {
        if (o.stderr) stderr.end(o.stderr);
        this.emit("exit", o.exit ?? 0);
        this.push(null);
        setImmediate(() => this.emit("close"));
      }
    },
    write(chunk: Buffer, _e, cb) {
      received.push(chunk);
      cb();
    },
    final(cb) {
      if (o.data) return cb();
      if (o.stderr) stderr.end(o.stderr);
      this.emit("exit", o.exit ?? 0);
      this.push(null);
      setImmediate(() => this.emit("close"));
      cb();
    },
  }) as unknown as Fake;
  Object.assign(s, { stderr, argv });
  return { stream: s, received };
}

function host(name: string, make: (argv: string[]) => Fake): HostClient {
  return {
    host: { id: name, name },
    virshStream: async (cmd: { command: string; args: { arg?: string; value?: string }[] }) =>
      make([cmd.command, ...cmd.args.map((a) => a.arg ?? a.value ?? "")]),
  } as unknown as HostClient;
}

const chunks = Array.from({ length: 50 }, (_, k) => Buffer.alloc(64 * 1024, k));
const all = Buffer.concat(chunks);

describe("volumeCopyBetweenHosts", () => {
  it("streams vol-download into vol-upload unchanged and returns the sha256 of the bytes", async () => {
    let up: ReturnType<typeof channel> | undefined;
    const reports: number[] = [];
    const r = await volumeCopyBetweenHosts({
      src: { host: host("h1", (argv) => channel(argv, { data: chunks }).stream), pool: "p", name: "base.qcow2" },
      dst: { host: host("h2", (argv) => (up = channel(argv, {})).stream), pool: "q", name: "copy.qcow2" },
      length: all.length,
      signal: new AbortController().signal,
      onBytes: (n) => reports.push(n),
    });
    expect(r.bytes).toBe(all.length);
    expect(r.sha256).toBe(createHash("sha256").update(all).digest("hex"));
    expect(Buffer.concat(up!.received).equals(all)).toBe(true);
    expect(up!.stream.argv).toEqual(["vol-upload", "q", "copy.qcow2", "/dev/stdin"]);
    expect(reports.at(-1)).toBe(all.length);
  });

  it("fails with the destination's virsh error when vol-upload fails", async () => {
    await expect(
      volumeCopyBetweenHosts({
        src: { host: host("h1", (argv) => channel(argv, { data: chunks }).stream), pool: "p", name: "b" },
        dst: {
          host: host("h2", (argv) => channel(argv, { exit: 1, stderr: "error: cannot write: No space left" }).stream),
          pool: "q",
          name: "c",
        },
        length: all.length,
        signal: new AbortController().signal,
        onBytes: () => {},
      }),
    ).rejects.toThrow(/h2: vol-upload failed: .*No space left/);
  });

  it("fails when the source sends fewer bytes than its size", async () => {
    await expect(
      volumeCopyBetweenHosts({
        src: { host: host("h1", (argv) => channel(argv, { data: chunks.slice(0, 3) }).stream), pool: "p", name: "b" },
        dst: { host: host("h2", (argv) => channel(argv, {}).stream), pool: "q", name: "c" },
        length: all.length,
        signal: new AbortController().signal,
        onBytes: () => {},
      }),
    ).rejects.toThrow(/sent 196608 of 3276800 bytes/);
  });

  it("stops both sides on cancel", async () => {
    const ac = new AbortController();
    let down: Fake | undefined;
    let upS: Fake | undefined;
    const p = volumeCopyBetweenHosts({
      src: {
        host: host("h1", (argv) => (down = channel(argv, { data: chunks.slice(0, 2), hang: true }).stream)),
        pool: "p",
        name: "b",
      },
      dst: { host: host("h2", (argv) => (upS = channel(argv, {}).stream)), pool: "q", name: "c" },
      length: all.length,
      signal: ac.signal,
      onBytes: () => ac.abort(new Error("Cancelled")),
    });
    await expect(p).rejects.toThrow(/Cancelled/);
    expect(down!.destroyed).toBe(true);
    expect(upS!.destroyed).toBe(true);
  });
});

describe("volumeHashByDownload", () => {
  it("hashes a volume's bytes as they are downloaded", async () => {
    const sha = await volumeHashByDownload({
      host: host("h2", (argv) => channel(argv, { data: chunks }).stream),
      pool: "q",
      name: "c",
      length: all.length,
      signal: new AbortController().signal,
    });
    expect(sha).toBe(createHash("sha256").update(all).digest("hex"));
  });
});
