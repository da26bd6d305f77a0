import { createHash, randomBytes } from "node:crypto";
import { createServer, type AddressInfo, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BULK_READ_BYTES, bulkReadConnect } from "./bulk-read-socket";

let server: Server | undefined;
afterEach(() => server?.close());

/** A loopback server that sends `writes` (each after `gapMs`) to the first client, then ends. */
async function serve(writes: Buffer[], gapMs: number): Promise<number> {
  server = createServer(async (s: Socket) => {
    for (const w of writes) {
      if (!s.write(w)) await new Promise((r) => s.once("drain", r));
      if (gapMs) await new Promise((r) => setTimeout(r, gapMs));
    }
    s.end();
  });
  await new Promise<void>((r) => server!.listen(0, "127.0.0.1", r));
  return (server.address() as AddressInfo).port;
}

/** Every chunk the socket emitted, kept as emitted (a reader may hold on to them). */
function collect(sock: Socket): Promise<{ chunks: Buffer[]; ended: boolean }> {
  const chunks: Buffer[] = [];
  let ended = false;
  sock.on("data", (c: Buffer) => chunks.push(c));
  sock.on("end", () => (ended = true));
  return new Promise((resolve, reject) => {
    sock.on("error", reject);
    sock.on("close", () => resolve({ chunks, ended }));
  });
}

const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");

describe("bulkReadConnect", () => {
  it("delivers a bulk stream intact, in reads larger than 64 KiB and never over the buffer size", async () => {
    const data = randomBytes(8 * 1024 * 1024);
    const writes = Array.from({ length: 16 }, (_, i) => data.subarray(i * 512 * 1024, (i + 1) * 512 * 1024));
    const port = await serve(writes, 0);
    const sock = bulkReadConnect("127.0.0.1", port);
    // Let the kernel queue data before the first read, as a busy event loop would.
    sock.pause();
    await new Promise((r) => setTimeout(r, 50));
    const got = collect(sock);
    sock.resume();
    const { chunks, ended } = await got;
    expect(ended).toBe(true);
    // Compared only after the whole stream: a buffer read into again would have changed earlier chunks.
    expect(sha(Buffer.concat(chunks))).toBe(sha(data));
    expect(Math.max(...chunks.map((c) => c.length))).toBeGreaterThan(64 * 1024);
    expect(chunks.every((c) => c.length <= BULK_READ_BYTES)).toBe(true);
  });

  it("copies small reads out of the buffer it reads into again, without mixing them up", async () => {
    // Small writes with gaps arrive as small reads (copied), large ones as big reads (handed out).
    const sizes = [1, 7, 300, 4096, 200_000, 5, 70_000, 262_144, 12, 131_072, 131_071, 9];
    const writes = sizes.map((n) => randomBytes(n));
    const port = await serve(writes, 15);
    const sock = bulkReadConnect("127.0.0.1", port);
    const { chunks } = await collect(sock);
    expect(sha(Buffer.concat(chunks))).toBe(sha(Buffer.concat(writes)));
    // Small copied chunks own exactly their bytes' worth of memory (or a slice of Node's small pool),
    // big ones are views of a read buffer used for nothing else.
    const small = chunks.filter((c) => c.length < BULK_READ_BYTES / 2);
    const big = chunks.filter((c) => c.length >= BULK_READ_BYTES / 2);
    expect(small.length).toBeGreaterThan(0);
    expect(big.length).toBeGreaterThan(0);
    for (const c of small) expect(c.buffer.byteLength === c.length || c.length < 4096).toBe(true);
    const buffers = new Set(big.map((c) => c.buffer));
    expect(buffers.size).toBe(big.length);
    for (const c of big) expect(c.buffer.byteLength).toBe(BULK_READ_BYTES);
  });

  it("reports a refused connection as a socket error", async () => {
    const port = await serve([], 0);
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const err = await new Promise<NodeJS.ErrnoException>((resolve) =>
      bulkReadConnect("127.0.0.1", port).on("error", resolve),
    );
    expect(err.code).toBe("ECONNREFUSED");
  });
});
