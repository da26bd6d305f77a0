// Console limits on the real stack: sshd's MaxSessions against many serial consoles, QEMU's
// 32-viewer VNC limit, a display that never answers, and tickets that read only their own VM.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/test-database";
import { TINY_BANNER, tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";
import {
  consoleOpen,
  consoleStackStart,
  guestRemove,
  idleGuestXml,
  rfbHandshake,
  serialConsoleProbe,
  virsh,
  type ConsoleStack,
  type Opened,
} from "./helpers/console-stack";
import { sessionCaller } from "./helpers/callers";

// QEMU's and sshd's own limits need more consoles of one user than virtdeck's per-user cap allows by default.
process.env.VIRTDECK_MAX_CONSOLES_PER_USER = "64";

const prefix = `vdtest-conlim-${randomBytes(3).toString("hex")}`;
const idle = Array.from({ length: 11 }, (_, i) => ({ name: `${prefix}-idle${i}`, uuid: randomUUID() }));
const tiny = { name: `${prefix}-tiny`, uuid: randomUUID() };
const display = { name: `${prefix}-vnc`, uuid: randomUUID() };
let s: ConsoleStack;
const dir = mkdtempSync("/tmp/vdtest-conlim-");

function define(xml: string, name: string, paused = true) {
  writeFileSync(`${dir}/${name}.xml`, xml);
  virsh("define", `${dir}/${name}.xml`);
  virsh("start", ...(paused ? ["--paused"] : []), name);
}

async function mint(kind: "vnc" | "serial", uuid: string) {
  return s.m.tickets.consoleTicketMint(sessionCaller(await s.sessionOf(s.adminToken)), s.hostId, uuid, {
    kind,
    mode: "interactive",
  });
}
async function openConsole(kind: "vnc" | "serial", uuid: string): Promise<Opened> {
  return consoleOpen(s.port, (await mint(kind, uuid)).ticket, s.adminToken);
}
const vncOf = (o: Opened) => rfbHandshake({ next: o.next, send: (b) => o.ws.send(b) });

beforeAll(async () => {
  s = await consoleStackStart();
  for (const g of idle) define(idleGuestXml({ ...g }), g.name);
  define(idleGuestXml({ ...display, vnc: true }), display.name);
  define(tinyGuestXml({ ...tiny, ...tinyGuestFiles() }), tiny.name);
}, 180_000);

afterAll(async () => {
  // Resume first: a test may have stopped a QEMU process.
  try {
    const pid = readFileSync(`/run/libvirt/qemu/${display.name}.pid`, "utf8").trim();
    process.kill(Number(pid), "SIGCONT");
  } catch {
    /* not running */
  }
  for (const g of [...idle, tiny, display]) guestRemove(g.uuid);
  await s?.close();
});

describe(`console limits on ${testDbKind()}`, () => {
  it("keeps 12 serial consoles open at once on one host, on connections apart from the virsh session", async () => {
    const { fleet } = await import("@/lib/fleet/runtime");
    const opened: Opened[] = [];
    for (const g of idle) {
      const o = await openConsole("serial", g.uuid);
      opened.push(o);
    }
    // Every one of them holds its guest's console (a second attach is refused). virsh may take a few
    // seconds to attach; a probe that gets in first is pushed out by virtdeck's --force.
    for (const g of idle)
      await expect
        .poll(() => serialConsoleProbe(g.uuid), { timeout: 30_000, interval: 500 })
        .toMatch(/Active console session exists/);
    // The 12th, on a guest that boots: bytes both ways.
    const last = await openConsole("serial", tiny.uuid);
    opened.push(last);
    await expect
      .poll(() => serialConsoleProbe(tiny.uuid), { timeout: 30_000, interval: 500 })
      .toMatch(/Active console session exists/);
    virsh("resume", tiny.uuid);
    await expect.poll(last.text, { timeout: 60_000, interval: 250 }).toMatch(TINY_BANNER);
    await expect.poll(last.text, { timeout: 15_000, interval: 250 }).toMatch(/tiny:[^\r\n]*# /);
    last.ws.send(Buffer.from("echo serial-$((6*7))\r"));
    await expect.poll(last.text, { timeout: 15_000, interval: 200 }).toMatch(/serial-42/);

    // 8 + 4 session channels on two connections of their own; the main connection's virsh session still answers.
    expect(fleet().streams.usage(s.hostId)).toEqual([8, 4]);
    expect((await mint("vnc", display.uuid)).kind).toBe("vnc");
    for (const o of opened) expect(o.ws.readyState).toBe(o.ws.OPEN);

    for (const o of opened) o.ws.close(1000);
    for (const o of opened) expect((await o.closed).code).toBe(1000);
    await expect.poll(() => fleet().streams.usage(s.hostId)).toEqual([0, 0]);
  }, 150_000);

  it("reports QEMU's 32-viewer limit as such (not as a guest that went away), and refuses a 33rd ticket", async () => {
    const port = Number(/<graphics type='vnc' port='(\d+)'/.exec(virsh("dumpxml", display.uuid))![1]);
    // One viewer outside virtdeck, straight to QEMU on the host's loopback.
    const outside = net.connect(port, "127.0.0.1");
    outside.on("error", () => {});
    let got = Buffer.alloc(0);
    const waiters: (() => void)[] = [];
    outside.on("data", (d) => {
      got = Buffer.concat([got, d]);
      waiters.splice(0).forEach((w) => w());
    });
    const next = (n: number) =>
      new Promise<Buffer>((res) => {
        const check = () => {
          if (got.length >= n) {
            const out = got.subarray(0, n);
            got = got.subarray(n);
            res(out);
          } else waiters.push(check);
        };
        check();
      });
    await rfbHandshake({ next, send: (b) => outside.write(b) });

    const viewers: Opened[] = [];
    for (let i = 0; i < 31; i++) {
      const o = await openConsole("vnc", display.uuid);
      await vncOf(o);
      viewers.push(o);
    }
    // QEMU itself turns the 33rd viewer away (after the security handshake, before ServerInit).
    const refused = await openConsole("vnc", display.uuid);
    await expect(vncOf(refused)).rejects.toThrow(/closed/);
    const closed = await refused.closed;
    expect(closed.code).toBe(4015);
    expect(closed.reason).toMatch(/32 viewers/);
    expect(virsh("domstate", display.uuid)).toMatch(/paused|running/);

    // Without the outside viewer, virtdeck's 32nd fits; then a 33rd ticket is refused up front.
    outside.destroy();
    await new Promise((r) => setTimeout(r, 300));
    const last = await openConsole("vnc", display.uuid);
    await vncOf(last);
    viewers.push(last);
    await expect(mint("vnc", display.uuid)).rejects.toMatchObject({ code: "console_full" });

    for (const o of viewers) o.ws.close(1000);
    for (const o of viewers) await o.closed;
  }, 120_000);

  it("closes with 4016 when the VM's display does not answer within 10 s, and the VM can be viewed once it answers again", async () => {
    await expect.poll(() => s.m.offer.consoleLiveCount(s.hostId, display.uuid, "vnc")).toBe(0);
    const pid = Number(readFileSync(`/run/libvirt/qemu/${display.name}.pid`, "utf8").trim());
    process.kill(pid, "SIGSTOP"); // a hung QEMU: the kernel accepts the connection, nothing answers
    let o: Opened;
    try {
      o = await openConsole("vnc", display.uuid);
      const t0 = Date.now();
      const closed = await o.closed;
      expect(closed.code).toBe(4016);
      expect(closed.reason).toBe("the VM's console did not answer");
      expect(closed.at - t0).toBeGreaterThan(8_000);
      expect(closed.at - t0).toBeLessThan(13_000);
    } finally {
      process.kill(pid, "SIGCONT");
    }
    const again = await openConsole("vnc", display.uuid);
    expect((await vncOf(again)).width).toBeGreaterThan(0);
    again.ws.close(1000);
    await again.closed;
    const row = await s.m.db
      .db()
      .consoleSession.findFirst({ where: { vmUuid: display.uuid, closeReason: "the VM's console did not answer" } });
    expect(row?.endedAt).not.toBeNull();
  }, 60_000);

  it("mints a ticket from the VM's own state, without reading the host's inventory", async () => {
    const { fleet } = await import("@/lib/fleet/runtime");
    fleet().caches.clear();
    await mint("vnc", display.uuid);
    expect([...fleet().caches.keys()].filter((k) => k.endsWith(":inventory"))).toEqual([]);
    await expect(mint("vnc", randomUUID())).rejects.toMatchObject({ code: "not_found" });
    virsh("destroy", idle[0].uuid);
    await expect(mint("serial", idle[0].uuid)).rejects.toMatchObject({ code: "invalid_state" });
  });
});
