// Consoles of VMs virtdeck itself created (vmCreate from a template, linked clone of a bootable
// image) on host 1's real libvirt: a SPICE display (and a VNC one with per-console VNC passwords)
// starts locked by an expired password on 127.0.0.1, nobody gets in directly, and the console
// service's ticket password lets a viewer in through the proxy (websocket as in the browser, HTTP
// CONNECT as remote-viewer) while a wrong one is still refused; a VNC VM created with the option off
// opens without a password.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// noVNC's own DES (the package exports only its RFB entry point, without types); Node's OpenSSL 3 has no DES.
// @ts-expect-error -- untyped JavaScript module
import { DESECBCipher } from "../../node_modules/@novnc/novnc/core/crypto/des.js";
import { testDbKind } from "./helpers/test-database";
import { consoleOpen, consoleStackStart, rfbHandshake, virsh, type ConsoleStack } from "./helpers/console-stack";
import { domstate, testPoolCreate, type TestPool } from "./helpers/provisioning-pool";
import { connectThrough as connectThroughApp, spiceLogin, tcp, type Wire } from "./helpers/wire";
import { sessionCaller } from "./helpers/callers";

/** Guests, volumes and the pool of this file carry this prefix; the pool's cleanup removes only those. */
const PREFIX = "vdconcreated-";
const tag = randomBytes(2).toString("hex");

let s: ConsoleStack;
let pool: TestPool;
let create: typeof import("@/lib/provisioning/vm-create");
let contracts: typeof import("@/lib/contracts/provisioning");
let templates: typeof import("@/lib/templates/templates");
let appEnv: typeof import("@/lib/env").env;

beforeAll(async () => {
  // The default (off), parsed once by lib/env.ts; tests switch it as a restart with the other setting would.
  process.env.VIRTDECK_CONSOLE_VNC_PASSWORD = "false";
  pool = testPoolCreate(PREFIX);
  s = await consoleStackStart();
  create = await import("@/lib/provisioning/vm-create");
  contracts = await import("@/lib/contracts/provisioning");
  templates = await import("@/lib/templates/templates");
  appEnv = (await import("@/lib/env")).env;
}, 120_000);

afterAll(async () => {
  // Destroys and undefines every guest with the prefix, then deletes the pool and its volumes.
  pool?.cleanup();
  await s?.close();
  delete process.env.VIRTDECK_CONSOLE_VNC_PASSWORD;
});

/** Per-console VNC passwords, as both vmCreate and the ticket read them. */
function vncPasswords(on: boolean) {
  appEnv().VIRTDECK_CONSOLE_VNC_PASSWORD = on;
}

const caller = async () => sessionCaller(await s.sessionOf(s.adminToken), "127.0.0.9");

/** A TCG guest without NIC, linked clone of GRUB's rescue image, started; its uuid. */
async function vmCreated(name: string, graphics: "vnc" | "spice"): Promise<string> {
  const c = await caller();
  const t = await templates.templateCreate(
    c,
    contracts.TemplateInputSchema.parse({
      name: `${name} template`,
      vcpus: 1,
      memoryMiB: 64,
      maxMemoryMiB: 64,
      domainType: "qemu",
      disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
      nics: [],
      graphics,
      serialConsole: false,
      source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
    }),
  );
  const r = await create.vmCreate(
    c,
    contracts.VmCreateSchema.parse({ mode: "template", hostId: s.hostId, templateId: t.id, name, clone: "linked" }),
  );
  expect(r.vm?.name).toBe(name);
  expect(domstate(r.vm!.uuid)).toBe("running");
  return r.vm!.uuid;
}

/** The live <graphics> element of that type with its password (dumpxml --security-info), and its port. */
function liveGraphics(uuid: string, type: "vnc" | "spice") {
  const xml = virsh("dumpxml", "--security-info", uuid);
  expect(xml).not.toContain("<interface");
  const els = xml.match(/<graphics [^>]*>[\s\S]*?<\/graphics>/g) ?? [];
  expect(els).toHaveLength(1);
  const el = els[0] ?? "";
  const head = /<graphics [^>]*>/.exec(el)![0];
  expect(head).toContain(`type='${type}'`);
  const attr = (n: string) => new RegExp(`\\b${n}='([^']*)'`).exec(head)?.[1];
  return {
    el,
    head,
    port: Number(attr("port")),
    passwd: attr("passwd"),
    passwdValidTo: attr("passwdValidTo"),
    listen: attr("listen"),
  };
}

/** RFB 3.8 up to the security result: the types offered and, when VNC authentication was offered, its result. */
async function vncAuth(w: Wire, password: string): Promise<{ types: number[]; result?: number }> {
  expect((await w.next(12)).toString("latin1")).toBe("RFB 003.008\n");
  w.send(Buffer.from("RFB 003.008\n"));
  const types = [...(await w.next((await w.next(1))[0]))];
  if (!types.includes(2)) return { types };
  w.send(Buffer.from([2]));
  const challenge = await w.next(16);
  const key = (
    DESECBCipher as { importKey(k: number[]): { encrypt(a: unknown, b: Uint8Array): Uint8Array } }
  ).importKey([...password].map((c) => c.charCodeAt(0)));
  w.send(Buffer.from(key.encrypt({ name: "DES-ECB" }, challenge)));
  return { types, result: (await w.next(4)).readUInt32BE(0) };
}

/** After an accepted security handshake: ClientInit, then ServerInit's framebuffer width. */
async function serverInitWidth(w: Wire): Promise<number> {
  w.send(Buffer.from([1]));
  const init = await w.next(24);
  await w.next(init.readUInt32BE(20));
  return init.readUInt16BE(0);
}

const connectThrough = (hostPart: string) => connectThroughApp(s.port, hostPart);

const wsWire = (o: Awaited<ReturnType<typeof consoleOpen>>): Wire => ({
  next: (n) => o.next(n),
  send: (b) => o.ws.send(b),
});

async function mint(uuid: string, kind: "vnc" | "spice") {
  return s.m.tickets.consoleTicketMint(sessionCaller(await s.sessionOf(s.adminToken)), s.hostId, uuid, {
    kind,
    mode: "interactive",
  });
}

/** libvirt writes passwdValidTo in UTC without a zone. */
const validToMs = (v: string | undefined) => Date.parse(`${v}Z`);

describe(`consoles of VMs virtdeck created, on ${testDbKind()}`, () => {
  it("SPICE: the new VM's display is locked on 127.0.0.1; the ticket's password gets a viewer in through the proxy, a wrong one does not", async () => {
    const uuid = await vmCreated(`${PREFIX}${tag}-spice`, "spice");
    const created = liveGraphics(uuid, "spice");
    expect(created.listen).toBe("127.0.0.1");
    expect(created.el).toContain("<listen type='address' address='127.0.0.1'/>");
    expect(created.passwd).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(validToMs(created.passwdValidTo)).toBeLessThan(Date.now());
    expect(created.port).toBeGreaterThan(0);

    // Locked: straight at QEMU, neither the creation password (expired) nor an empty one gets in.
    for (const pw of [created.passwd!, ""]) {
      const direct = tcp(created.port);
      const r = await spiceLogin(direct, pw);
      expect(r.magic).toBe("REDQ");
      expect(r.authResult).not.toBe(0);
      direct.sock.destroy();
    }

    // The browser: a ticket for the main channel sets a fresh password with a validity; spice-html5 links with it over the websocket.
    const t0 = Date.now();
    const t = await mint(uuid, "spice");
    expect(t.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const set = liveGraphics(uuid, "spice");
    expect(set.passwd).toBe(t.password);
    expect(validToMs(set.passwdValidTo)).toBeGreaterThan(t0 + 30_000);
    expect(set.listen).toBe("127.0.0.1");
    const ws = await consoleOpen(s.port, t.ticket, s.adminToken);
    expect(await spiceLogin(wsWire(ws), t.password!)).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });
    ws.ws.close(1000);

    const bad = await consoleOpen(s.port, (await mint(uuid, "spice")).ticket, s.adminToken);
    const refused = await spiceLogin(wsWire(bad), "not-the-password");
    expect(refused.magic).toBe("REDQ");
    expect(refused.authResult).not.toBe(0);
    bad.ws.close(1000);

    // The native viewer: a .vv file, HTTP CONNECT to the app with its ticket, the file's password.
    const vv = await s.m.tickets.consoleVvCreate(
      sessionCaller(await s.sessionOf(s.adminToken)),
      s.hostId,
      uuid,
      `http://127.0.0.1:${s.port}`,
    );
    const fields = Object.fromEntries(
      vv.body
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(fields.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const main = await connectThrough(fields.host);
    expect(main.status).toBe(200);
    expect(await spiceLogin(main.c, fields.password)).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });
    main.c.sock.destroy();
    // A second channel of the same viewer with a wrong password is refused by QEMU all the same.
    const other = await connectThrough(fields.host);
    expect(other.status).toBe(200);
    expect((await spiceLogin(other.c, `${fields.password}x`)).authResult).not.toBe(0);
    other.c.sock.destroy();

    // The consoles were recorded against the VM virtdeck created.
    expect(await s.m.db.db().consoleSession.count({ where: { vmUuid: uuid, kind: "spice" } })).toBeGreaterThanOrEqual(
      3,
    );
  });

  it("VNC with the option off (default): the new VM's display has no password and opens through the proxy", async () => {
    vncPasswords(false);
    const uuid = await vmCreated(`${PREFIX}${tag}-vnc-open`, "vnc");
    const g = liveGraphics(uuid, "vnc");
    expect(g.listen).toBe("127.0.0.1");
    expect(g.passwd).toBeUndefined();
    expect(g.passwdValidTo).toBeUndefined();

    const t = await mint(uuid, "vnc");
    expect(t.password).toBeUndefined();
    const o = await consoleOpen(s.port, t.ticket, s.adminToken);
    expect((await rfbHandshake(wsWire(o))).width).toBeGreaterThan(0);
    o.ws.close(1000);

    // Switched on later: QEMU takes no password on a display started without password auth; it stays open.
    vncPasswords(true);
    try {
      const later = await mint(uuid, "vnc");
      expect(later.password).toBeUndefined();
      const o2 = await consoleOpen(s.port, later.ticket, s.adminToken);
      expect((await rfbHandshake(wsWire(o2))).width).toBeGreaterThan(0);
      o2.ws.close(1000);
    } finally {
      vncPasswords(false);
    }
  });

  it("VNC with per-console passwords: the new VM's display is locked; the ticket's password reaches ServerInit through the proxy, no/old/wrong passwords do not", async () => {
    vncPasswords(true);
    try {
      const uuid = await vmCreated(`${PREFIX}${tag}-vnc-pw`, "vnc");
      const created = liveGraphics(uuid, "vnc");
      expect(created.listen).toBe("127.0.0.1");
      expect(created.el).toContain("<listen type='address' address='127.0.0.1'/>");
      expect(created.passwd).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(validToMs(created.passwdValidTo)).toBeLessThan(Date.now());

      // Straight at QEMU: only VNC authentication is offered (no "None"), and the creation password has expired.
      const direct = tcp(created.port);
      const locked = await vncAuth(direct, created.passwd!);
      expect(locked.types).toEqual([2]);
      expect(locked.result).not.toBe(0);
      direct.sock.destroy();

      const t = await mint(uuid, "vnc");
      expect(t.password).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(liveGraphics(uuid, "vnc").passwd).toBe(t.password);
      const ws = await consoleOpen(s.port, t.ticket, s.adminToken);
      const auth = await vncAuth(wsWire(ws), t.password!);
      expect(auth).toEqual({ types: [2], result: 0 });
      expect(await serverInitWidth(wsWire(ws))).toBeGreaterThan(0);
      ws.ws.close(1000);

      // The creation password stays refused directly, and a wrong one through the proxy.
      const old = tcp(created.port);
      expect((await vncAuth(old, created.passwd!)).result).not.toBe(0);
      old.sock.destroy();
      const bad = await consoleOpen(s.port, (await mint(uuid, "vnc")).ticket, s.adminToken);
      expect((await vncAuth(wsWire(bad), "wrong-pw")).result).not.toBe(0);
      bad.ws.close(1000);
    } finally {
      vncPasswords(false);
    }
  });

  it("VNC: a VM created with per-console passwords still opens after the option is switched off (its expired password is replaced, and again for the next console while that one is valid)", async () => {
    vncPasswords(true);
    let uuid: string;
    try {
      uuid = await vmCreated(`${PREFIX}${tag}-vnc-was-pw`, "vnc");
    } finally {
      vncPasswords(false);
    }
    const created = liveGraphics(uuid, "vnc");
    expect(validToMs(created.passwdValidTo)).toBeLessThan(Date.now());

    const t = await mint(uuid, "vnc");
    expect(t.password).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(liveGraphics(uuid, "vnc").passwd).toBe(t.password);
    const o = await consoleOpen(s.port, t.ticket, s.adminToken);
    expect(await vncAuth(wsWire(o), t.password!)).toEqual({ types: [2], result: 0 });
    expect(await serverInitWidth(wsWire(o))).toBeGreaterThan(0);

    // The next console while that password is still valid: QEMU still wants a password, so the ticket
    // carries a fresh one (and the first viewer stays connected).
    expect(validToMs(liveGraphics(uuid, "vnc").passwdValidTo)).toBeGreaterThan(Date.now());
    const t2 = await mint(uuid, "vnc");
    expect(t2.password).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(t2.password).not.toBe(t.password);
    const o2 = await consoleOpen(s.port, t2.ticket, s.adminToken);
    expect(await vncAuth(wsWire(o2), t2.password!)).toEqual({ types: [2], result: 0 });
    expect(await serverInitWidth(wsWire(o2))).toBeGreaterThan(0);
    o2.ws.close(1000);
    await new Promise((r) => setTimeout(r, 500)); // a viewer QEMU dropped would be closed by now
    expect(o.ws.readyState).toBe(o.ws.OPEN);
    o.ws.close(1000);
  });
});
