// Per-console VNC passwords (VIRTDECK_CONSOLE_VNC_PASSWORD=true) on the real stack: the ticket carries
// a fresh password that QEMU's VNC server, reached through the console websocket, accepts (VNC
// authentication, DES challenge as noVNC computes it), a wrong one is refused, and a display started
// without password auth keeps working without one.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// noVNC's own DES (the package exports only its RFB entry point, without types); Node's OpenSSL 3 has no DES.
// @ts-expect-error -- untyped JavaScript module
import { DESECBCipher } from "../../node_modules/@novnc/novnc/core/crypto/des.js";
import { testDbKind } from "./helpers/test-database";
import {
  consoleOpen,
  consoleStackWithGuests,
  rfbHandshake,
  virsh,
  type ConsoleStack,
  type Opened,
} from "./helpers/console-stack";
import { sessionCaller } from "./helpers/callers";

const tag = randomBytes(3).toString("hex");
const locked = { name: `vdtest-convncpw-${tag}`, uuid: randomUUID() };
const open = { name: `vdtest-convncpw-${tag}-nopw`, uuid: randomUUID() };
let s: ConsoleStack;

async function mint(uuid: string) {
  return s.m.tickets.consoleTicketMint(sessionCaller(await s.sessionOf(s.adminToken)), s.hostId, uuid, {
    kind: "vnc",
    mode: "interactive",
  });
}

/** RFB 3.8 with VNC authentication: the result of the security handshake (0 = accepted). */
async function vncAuth(o: Opened, password: string): Promise<{ types: number[]; result: number }> {
  expect((await o.next(12)).toString("latin1")).toBe("RFB 003.008\n");
  o.ws.send(Buffer.from("RFB 003.008\n"));
  const types = [...(await o.next((await o.next(1))[0]))];
  o.ws.send(Buffer.from([2]));
  const challenge = await o.next(16);
  const key = (
    DESECBCipher as { importKey(k: number[]): { encrypt(a: unknown, b: Uint8Array): Uint8Array } }
  ).importKey([...password].map((c) => c.charCodeAt(0)));
  o.ws.send(Buffer.from(key.encrypt({ name: "DES-ECB" }, challenge)));
  return { types, result: (await o.next(4)).readUInt32BE(0) };
}

beforeAll(async () => {
  process.env.VIRTDECK_CONSOLE_VNC_PASSWORD = "true";
  s = await consoleStackWithGuests([
    { ...locked, vnc: true, displayPassword: true },
    { ...open, vnc: true, displayPassword: false },
  ]);
}, 120_000);

afterAll(async () => {
  await s?.close();
  delete process.env.VIRTDECK_CONSOLE_VNC_PASSWORD;
});

describe(`per-console VNC passwords on ${testDbKind()}`, () => {
  it("sets a fresh 8-character password with a validity on the display and hands it over with the ticket", async () => {
    const t0 = Date.now();
    const t = await mint(locked.uuid);
    expect(t.password).toMatch(/^[A-Za-z0-9_-]{8}$/);
    const g = /<graphics type='vnc'[^>]*>/.exec(virsh("dumpxml", "--security-info", locked.uuid))![0];
    expect(g).toContain(`passwd='${t.password}'`);
    const validTo = Date.parse(`${/passwdValidTo='([^']+)'/.exec(g)![1]}Z`);
    expect(validTo).toBeGreaterThan(t0 + 30_000);
    expect(validTo).toBeLessThan(t0 + 90_000);
    // Each console gets its own.
    expect((await mint(locked.uuid)).password).not.toBe(t.password);
  });

  it("QEMU accepts the ticket's password through the console websocket, and refuses another", async () => {
    const t = await mint(locked.uuid);
    const ok = await consoleOpen(s.port, t.ticket, s.adminToken);
    const auth = await vncAuth(ok, t.password!);
    expect(auth.types).toEqual([2]);
    expect(auth.result).toBe(0);
    ok.ws.send(Buffer.from([1])); // ClientInit
    expect((await ok.next(24)).readUInt16BE(0)).toBeGreaterThan(0); // ServerInit: width
    ok.ws.close(1000);

    const bad = await consoleOpen(s.port, (await mint(locked.uuid)).ticket, s.adminToken);
    expect((await vncAuth(bad, "wrong-pw")).result).not.toBe(0);
    bad.ws.close(1000);
  });

  it("leaves a display started without password auth password-less", async () => {
    const t = await mint(open.uuid);
    expect(t.password).toBeUndefined();
    const o = await consoleOpen(s.port, t.ticket, s.adminToken);
    expect((await rfbHandshake({ next: o.next, send: (b) => o.ws.send(b) })).width).toBeGreaterThan(0);
    o.ws.close(1000);
  });
});
