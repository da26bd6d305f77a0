import { describe, expect, it } from "vitest";
import { ConnectionClosedError } from "./errors";
import { FakeTransport, type FakeReply } from "./__fixtures__/fake-virsh";
import { virshCommand } from "./virsh-command";
import { createVirshSessions, virshSessionPick } from "./virsh-session-pool";

const URI = "qemu:///system";
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const dumpxml = (n: number) => virshCommand({ command: "dumpxml", args: [{ domain: uuid(n) }] });
const domstate = (n: number) => virshCommand({ command: "domstate", args: [{ domain: uuid(n) }] });

/** Fake libvirt: dumpxml answers, domstate never does (a command libvirt takes its time over). */
function libvirt(argv: string[]): FakeReply {
  if (argv[0] === "domstate") return "hang";
  if (argv[0] === "dumpxml") return { stdout: `<domain><uuid>${argv[1]}</uuid></domain>\n` };
  return { stdout: "" };
}

function setup(maxPerHost?: number) {
  const transports = new Map<string, FakeTransport>();
  const pool = {
    get: async (hostId: string) => {
      if (!transports.has(hostId)) transports.set(hostId, new FakeTransport(libvirt));
      return transports.get(hostId)!;
    },
    close: () => {},
    closeAll: () => {},
    hostIds: () => [...transports.keys()],
  };
  return { transports, sessions: createVirshSessions(pool, { maxPerHost }) };
}

describe("virshSessionPick", () => {
  const s = (inflight: number) => ({ inflight });
  it("takes the first idle session", () => {
    const open = [s(2), s(0), s(0)];
    expect(virshSessionPick(open, 3)).toBe(open[1]);
  });
  it("asks for a new session while all are busy and the cap is not reached", () => {
    expect(virshSessionPick([], 2)).toBeNull();
    expect(virshSessionPick([s(1)], 2)).toBeNull();
  });
  it("at the cap, takes the least busy session", () => {
    const open = [s(3), s(1), s(2)];
    expect(virshSessionPick(open, 3)).toBe(open[1]);
  });
});

describe("createVirshSessions", () => {
  it("reuses an idle session per host and URI, opened through the pool, and closes per host", async () => {
    const { transports, sessions } = setup();
    const a = sessions.get("h1", URI);
    expect(sessions.get("h1", URI)).toBe(a);
    expect(sessions.get("h1", "qemu:///session")).not.toBe(a);
    const b = sessions.get("h2", URI);
    await Promise.all([a.run(dumpxml(1)), b.run(dumpxml(2))]);
    await a.run(dumpxml(1));
    expect(transports.get("h1")!.sessions).toHaveLength(1);
    expect(transports.get("h2")!.sessions).toHaveLength(1);
    expect(sessions.size("h1", URI)).toBe(1);

    sessions.close("h1");
    await expect(a.run(dumpxml(1))).rejects.toBeInstanceOf(ConnectionClosedError);
    expect((await b.run(dumpxml(2))).ok).toBe(true);
    expect(sessions.get("h1", URI)).not.toBe(a);
    sessions.closeAll();
    await expect(b.run(dumpxml(2))).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("a batch waiting on a busy session does not hold up the next one: it gets another session", async () => {
    const { transports, sessions } = setup(2);
    const busy = sessions.get("h1", URI);
    const stuck = busy.run(domstate(1));
    stuck.catch(() => {});
    expect(busy.inflight).toBe(1);
    const other = sessions.get("h1", URI);
    expect(other).not.toBe(busy);
    expect((await other.run(dumpxml(1))).stdout).toContain(uuid(1));
    expect(transports.get("h1")!.sessions).toHaveLength(2);
    expect(other.inflight).toBe(0);
    // Idle again: the next batch reuses it rather than opening a third session.
    expect(sessions.get("h1", URI)).toBe(other);
    sessions.closeAll();
    await expect(stuck).rejects.toBeInstanceOf(ConnectionClosedError);
  });

  it("grows no further than the cap: then the least busy session queues the batch", async () => {
    const { sessions } = setup(2);
    const a = sessions.get("h1", URI);
    const pending = [a.run(domstate(1)), a.run(domstate(2))];
    const b = sessions.get("h1", URI);
    pending.push(b.run(domstate(3)));
    for (const p of pending) p.catch(() => {});
    expect(sessions.get("h1", URI)).toBe(b);
    expect(sessions.size("h1", URI)).toBe(2);
    sessions.closeAll();
  });
});
