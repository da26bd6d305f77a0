import { describe, expect, it } from "vitest";
import { createHostPool } from "./pool";
import type { HostTransport } from "./transport";

function fakeTransport(id: string) {
  const t = {
    id,
    closed: false,
    closeCalls: 0,
    run: async () => ({ code: 0, stdout: id, stderr: "" }),
    openStream: async () => {
      throw new Error("unused");
    },
    forwardOut: async () => {
      throw new Error("unused");
    },
    close() {
      t.closed = true;
      t.closeCalls++;
    },
  };
  return t;
}
type Fake = ReturnType<typeof fakeTransport>;

function setup(fail?: (hostId: string, attempt: number) => boolean) {
  const made: Fake[] = [];
  const attempts: Record<string, number> = {};
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const pool = createHostPool(async (hostId) => {
    attempts[hostId] = (attempts[hostId] ?? 0) + 1;
    if (gate) await gate;
    if (fail?.(hostId, attempts[hostId])) throw new Error(`cannot reach ${hostId}`);
    const t = fakeTransport(`${hostId}#${attempts[hostId]}`);
    made.push(t);
    return t as unknown as HostTransport;
  });
  return {
    pool,
    made,
    attempts,
    hold() {
      gate = new Promise((r) => (release = r));
    },
    release() {
      gate = undefined;
      release?.();
    },
  };
}

describe("createHostPool", () => {
  it("opens lazily and shares one connection per host among concurrent callers", async () => {
    const { pool, attempts } = setup();
    expect(pool.hostIds()).toEqual([]);
    const [a, b, c] = await Promise.all([pool.get("h1"), pool.get("h1"), pool.get("h2")]);
    expect(a).toBe(b);
    expect(a).not.toBe(c);
    expect(attempts).toEqual({ h1: 1, h2: 1 });
    expect(await pool.get("h1")).toBe(a);
    expect(pool.hostIds().sort()).toEqual(["h1", "h2"]);
  });

  it("reconnects on the next call after the connection dropped", async () => {
    const { pool, attempts } = setup();
    const first = (await pool.get("h1")) as unknown as Fake;
    first.closed = true; // dropped underneath
    const second = (await pool.get("h1")) as unknown as Fake;
    expect(second).not.toBe(first);
    expect(second.id).toBe("h1#2");
    expect(attempts.h1).toBe(2);
  });

  it("shares a failed connect with its waiters, then retries on the next call", async () => {
    const { pool, attempts } = setup((_id, attempt) => attempt === 1);
    const results = await Promise.allSettled([pool.get("h1"), pool.get("h1")]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(attempts.h1).toBe(1);
    expect(pool.hostIds()).toEqual([]);
    const t = (await pool.get("h1")) as unknown as Fake;
    expect(t.id).toBe("h1#2");
  });

  it("close(hostId) closes and forgets only that host", async () => {
    const { pool } = setup();
    const a = (await pool.get("h1")) as unknown as Fake;
    const b = (await pool.get("h2")) as unknown as Fake;
    pool.close("h1");
    expect(a.closeCalls).toBe(1);
    expect(b.closed).toBe(false);
    expect(((await pool.get("h1")) as unknown as Fake).id).toBe("h1#2");
    pool.close("nope");
  });

  it("close() during connect closes the connection once it arrives", async () => {
    const s = setup();
    s.hold();
    const pending = s.pool.get("h1");
    s.pool.close("h1");
    s.release();
    const t = (await pending) as unknown as Fake;
    expect(t.closed).toBe(true);
    expect(s.pool.hostIds()).toEqual([]);
  });

  it("closeAll() closes everything", async () => {
    const { pool, made } = setup();
    await Promise.all([pool.get("h1"), pool.get("h2"), pool.get("h3")]);
    pool.closeAll();
    expect(made.map((t) => t.closed)).toEqual([true, true, true]);
    expect(pool.hostIds()).toEqual([]);
  });
});
