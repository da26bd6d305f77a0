import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";
import { createStreamPool } from "./stream-pool";
import type { CommandStream, HostTransport } from "./transport";

/** A connection that, like sshd with MaxSessions=limit, refuses channels beyond `limit`. */
function fakeConnection(id: number, limit: number) {
  const streams = new Set<PassThrough>();
  const t = {
    id,
    closed: false,
    open: () => streams.size,
    run: async () => ({ code: 0, stdout: "", stderr: "" }),
    forwardOut: async () => {
      throw new Error("unused");
    },
    async openStream(argv: readonly string[]) {
      if (t.closed) throw new Error("closed");
      if (streams.size >= limit) throw new Error("SSH channel failed: (SSH) Channel open failure: open failed");
      const s = new PassThrough();
      (s as unknown as { argv: readonly string[] }).argv = argv;
      streams.add(s);
      s.once("close", () => streams.delete(s));
      return s as unknown as CommandStream;
    },
    close() {
      t.closed = true;
      for (const s of [...streams]) s.destroy();
    },
  };
  return t;
}

function setup(limit: number, opts: { perConnection?: number; idleMs?: number } = {}) {
  const made: ReturnType<typeof fakeConnection>[] = [];
  const pool = createStreamPool(async () => {
    const c = fakeConnection(made.length + 1, limit);
    made.push(c);
    return c as unknown as HostTransport;
  }, opts);
  return { pool, made };
}

const closeStream = async (s: CommandStream) => {
  s.destroy();
  await new Promise((r) => setImmediate(r));
};

describe("createStreamPool", () => {
  it("spreads streams over as many connections as perConnection requires", async () => {
    const { pool, made } = setup(10, { perConnection: 8 });
    const opened = await Promise.all(Array.from({ length: 12 }, () => pool.openStream("h", ["virsh", "console"])));
    expect(made.length).toBe(2);
    expect(pool.usage("h")).toEqual([8, 4]);
    expect(new Set(opened.map((o) => o.transport)).size).toBe(2);
    expect(made.map((m) => m.open())).toEqual([8, 4]);
  });

  it("learns a lower sshd limit from a refused channel and retries on a fresh connection", async () => {
    const { pool, made } = setup(3, { perConnection: 8 });
    const opened = [];
    for (let i = 0; i < 5; i++) opened.push(await pool.openStream("h", ["x"]));
    expect(made.length).toBe(2);
    expect(pool.usage("h")).toEqual([3, 2]);
    // The first connection is now known to hold 3: a freed slot is reused, no more refusals.
    await closeStream(opened[0].stream);
    expect(pool.usage("h")).toEqual([2, 2]);
    await pool.openStream("h", ["x"]);
    expect(pool.usage("h")).toEqual([3, 2]);
    expect(made.length).toBe(2);
  });

  it("passes a refusal on an empty connection through (nothing to learn from it)", async () => {
    const { pool } = setup(0);
    await expect(pool.openStream("h", ["x"])).rejects.toThrow(/open failed/);
    expect(pool.usage("h")).toEqual([0]);
  });

  it("closes a connection once it has been idle, and opens a fresh one later", async () => {
    vi.useFakeTimers();
    try {
      const { pool, made } = setup(10, { idleMs: 1000 });
      const a = await pool.openStream("h", ["x"]);
      a.stream.destroy();
      await vi.advanceTimersByTimeAsync(10);
      expect(made[0].closed).toBe(false);
      await vi.advanceTimersByTimeAsync(1000);
      expect(made[0].closed).toBe(true);
      expect(pool.usage("h")).toEqual([]);
      await pool.openStream("h", ["x"]);
      expect(made.length).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("does not reuse a connection that dropped, and close() ends every stream of the host", async () => {
    const { pool, made } = setup(10);
    const a = await pool.openStream("h", ["x"]);
    made[0].close();
    const b = await pool.openStream("h", ["x"]);
    expect(b.transport).not.toBe(a.transport);
    const ended = new Promise((r) => b.stream.once("close", r));
    pool.close("h");
    await ended;
    expect(made[1].closed).toBe(true);
  });
});
