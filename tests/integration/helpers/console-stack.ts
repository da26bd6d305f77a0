// Shared setup for console tests on the real stack: a fresh database with an admin, host 1 added
// and pinned, an HTTP server that routes /ws/console (and CONNECT, as server.ts does), and a
// websocket client that reads exact byte counts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { testGuestXml, type TestGuestDisplay } from "../../shared/guest-xml";
import WebSocket from "ws";
import { testDatabase, type TestDatabase } from "./test-database";
import { stackEnv } from "./stack-env";
import { sessionCaller } from "./callers";

export const URI = "qemu:///system";
export const virsh = (...args: string[]) =>
  execFileSync("virsh", ["-q", "-c", URI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

/**
 * What a second `virsh console` (without --force, on a local pty through script(1)) says about the
 * guest's console: "Active console session exists" proves someone is attached to it.
 */
export function serialConsoleProbe(uuid: string): string {
  try {
    return execFileSync("timeout", ["5", "script", "-qec", `virsh -c ${URI} console ${uuid}`, "/dev/null"], {
      encoding: "utf8",
      stdio: ["pipe", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return `${err.stdout ?? ""}${err.stderr ?? ""}`;
  }
}

export interface ConsoleStack {
  tdb: TestDatabase;
  server: Server;
  port: number;
  hostId: string;
  adminToken: string;
  m: {
    session: typeof import("@/lib/auth/session");
    tickets: typeof import("@/lib/consoles/tickets");
    offer: typeof import("@/lib/consoles/console-offer");
    db: typeof import("@/lib/db/client");
    login: typeof import("@/lib/auth/login");
    users: typeof import("@/lib/users/users");
  };
  sessionOf(token: string): Promise<import("@/lib/auth/session").ActiveSession>;
  close(): Promise<void>;
}

/**
 * An HTTP server on 127.0.0.1 (any port) that routes /ws/console upgrades and CONNECT to the console
 * proxy, as server.ts does, with the peer address set to 127.0.0.1.
 */
export async function consoleServerStart(): Promise<{ server: Server; port: number }> {
  const { upgradeClient, upgradeRouteFind, upgradeRouteRegister } = await import("@/lib/ws/upgrade-router");
  const proxy = await import("@/lib/consoles/proxy");
  if (!upgradeRouteFind("/ws/console")) upgradeRouteRegister("/ws/console", proxy.consoleUpgrade);
  const server = createServer((_req, res) => res.end());
  server.on("upgrade", (req, socket, head) => {
    req.headers["x-virtdeck-peer"] = "127.0.0.1";
    upgradeRouteFind(req.url)?.(req, socket, head);
  });
  server.on("connect", (req, socket, head) => proxy.consoleConnect(req, socket, head, upgradeClient(req)));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, port: (server.address() as AddressInfo).port };
}

export async function consoleStackStart(): Promise<ConsoleStack> {
  const stack = stackEnv();
  const tdb = await testDatabase();
  const m = {
    login: await import("@/lib/auth/login"),
    session: await import("@/lib/auth/session"),
    users: await import("@/lib/users/users"),
    tickets: await import("@/lib/consoles/tickets"),
    offer: await import("@/lib/consoles/console-offer"),
    db: await import("@/lib/db/client"),
  };
  const hosts = await import("@/lib/fleet/hosts");
  const probe = await import("@/lib/fleet/probe");
  await m.db.prepareDatabase();
  const meta = { ip: "127.0.0.9", userAgent: "vitest" };
  const adminToken = (
    await m.login.setupFirstAdmin(m.login.SetupSchema.parse({ username: "admin", password: "console admin pw" }), meta)
  ).token;
  const sessionOf = async (token: string) => {
    const s = await m.session.sessionLookup(token);
    if (!s) throw new Error("no session");
    return s;
  };
  const caller = sessionCaller(await sessionOf(adminToken), meta.ip);
  const host = await hosts.hostCreate(
    caller,
    hosts.HostCreateSchema.parse({
      name: "console host",
      address: stack.host1.host,
      port: stack.host1.port,
      username: stack.host1.username,
      key: { kind: "paste", privateKey: readFileSync(stack.host1.privateKeyPath, "utf8") },
    }),
  );
  await probe.hostProbe(caller, host.id);
  await hosts.hostKeyConfirm(caller, host.id, stack.host1.hostKeySha256);

  const proxy = await import("@/lib/consoles/proxy");
  const { server, port } = await consoleServerStart();

  return {
    tdb,
    server,
    port,
    hostId: host.id,
    adminToken,
    m,
    sessionOf,
    async close() {
      proxy.consolesCloseAll();
      const { fleetCloseAll } = await import("@/lib/fleet/runtime");
      fleetCloseAll();
      await new Promise((r) => server.close(r));
      await tdb.drop();
    },
  };
}

export interface Opened {
  ws: WebSocket;
  data: Buffer[];
  text(): string;
  closed: Promise<{ code: number; reason: string; at: number }>;
  next(n: number, timeoutMs?: number): Promise<Buffer>;
  send(b: Buffer): void;
}

/**
 * Opens the console websocket; rejects with the HTTP status when refused before the upgrade. A null
 * ticket or cookie leaves it out (a visitor through a share link has no cookie).
 */
export function consoleOpen(
  port: number,
  ticket: string | null,
  cookieToken: string | null,
  origin = `http://127.0.0.1:${port}`,
): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const url = `ws://127.0.0.1:${port}/ws/console${ticket !== null ? `?ticket=${encodeURIComponent(ticket)}` : ""}`;
    const ws = new WebSocket(url, ["binary"], {
      headers: { origin, ...(cookieToken !== null ? { cookie: `vd_session=${cookieToken}` } : {}) },
    });
    const data: Buffer[] = [];
    let buffered = Buffer.alloc(0);
    const waiters: (() => void)[] = [];
    ws.on("message", (d: Buffer) => {
      data.push(d);
      buffered = Buffer.concat([buffered, d]);
      waiters.splice(0).forEach((w) => w());
    });
    const closed = new Promise<{ code: number; reason: string; at: number }>((res) =>
      ws.on("close", (code, reason) => {
        res({ code, reason: reason.toString(), at: Date.now() });
        waiters.splice(0).forEach((w) => w());
      }),
    );
    ws.on("unexpected-response", (_req, res) =>
      reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.on("error", (e) => reject(e));
    ws.on("open", () =>
      resolve({
        ws,
        data,
        text: () => Buffer.concat(data).toString("utf8"),
        closed,
        send: (b) => ws.send(b),
        next: (n, timeoutMs = 10_000) =>
          new Promise((res, rej) => {
            const deadline = setTimeout(
              () => rej(new Error(`only ${buffered.length} of ${n} bytes arrived`)),
              timeoutMs,
            );
            const check = () => {
              if (buffered.length >= n) {
                clearTimeout(deadline);
                const out = buffered.subarray(0, n);
                buffered = buffered.subarray(n);
                res(out);
              } else if (ws.readyState >= WebSocket.CLOSING) {
                clearTimeout(deadline);
                rej(new Error(`closed after ${buffered.length} of ${n} bytes`));
              } else waiters.push(check);
            };
            check();
          }),
      }),
    );
  });
}

/** 101 when the websocket opened (it is closed again), else the HTTP status that refused it. */
export async function consoleRefusedStatus(p: Promise<Opened>): Promise<number> {
  try {
    const o = await p;
    o.ws.close(1000);
    await o.closed;
    return 101;
  } catch (e) {
    return (e as { status?: number }).status ?? -1;
  }
}

/** RFB 3.8 handshake (security None) up to ServerInit; returns the framebuffer size. */
export async function rfbHandshake(o: {
  next(n: number, t?: number): Promise<Buffer>;
  send(b: Buffer): void;
}): Promise<{ width: number; height: number }> {
  const version = (await o.next(12)).toString("latin1");
  if (version !== "RFB 003.008\n") throw new Error(`unexpected RFB version ${JSON.stringify(version)}`);
  o.send(Buffer.from("RFB 003.008\n"));
  const count = (await o.next(1))[0];
  const types = [...(await o.next(count))];
  if (!types.includes(1)) throw new Error(`no security None in ${types}`);
  o.send(Buffer.from([1]));
  const result = (await o.next(4)).readUInt32BE(0);
  if (result !== 0) throw new Error(`security result ${result}`);
  o.send(Buffer.from([1])); // ClientInit, shared
  const init = await o.next(24);
  await o.next(init.readUInt32BE(20)); // desktop name
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2) };
}

/**
 * A guest that boots nothing: KVM (TCG where /dev/kvm is missing), 32 MiB, no disk, no NIC; a pty
 * serial port that is also the console; optional VNC/SPICE on 127.0.0.1. Start it --paused: it then
 * uses no CPU, and its display and serial console are there all the same.
 */
export function idleGuestXml(o: {
  name: string;
  uuid: string;
  vnc?: boolean;
  spice?: boolean;
  spicePort?: number;
  displayPassword?: boolean;
}): string {
  // With a password that expired long ago, QEMU starts the display with password auth (nobody gets in
  // until a fresh password is set): what per-console passwords need.
  const pw = o.displayPassword
    ? { passwd: `${Math.random().toString(36).slice(2, 10)}`, passwdValidTo: "2000-01-01T00:00:00" }
    : {};
  const displays: TestGuestDisplay[] = [];
  if (o.vnc) displays.push({ type: "vnc", ...pw });
  if (o.spice) displays.push({ type: "spice", port: o.spicePort || undefined, ...pw });
  return testGuestXml({
    name: o.name,
    uuid: o.uuid,
    domainType: process.env.VD_TEST_DOMAIN_TYPE === "qemu" ? "qemu" : "kvm",
    memoryMiB: 32,
    serial: true,
    displays,
    noBalloon: true,
  });
}

export type IdleGuest = Parameters<typeof idleGuestXml>[0];

/**
 * consoleStackStart plus idle guests (idleGuestXml) defined on host 1 and started --paused; close()
 * removes the guests before it closes the stack.
 */
export async function consoleStackWithGuests(guests: IdleGuest[]): Promise<ConsoleStack> {
  const s = await consoleStackStart();
  const dir = mkdtempSync("/tmp/vdtest-console-guests-");
  for (const g of guests) {
    writeFileSync(`${dir}/${g.uuid}.xml`, idleGuestXml(g));
    virsh("define", `${dir}/${g.uuid}.xml`);
    virsh("start", "--paused", g.uuid);
  }
  return {
    ...s,
    async close() {
      for (const g of guests) guestRemove(g.uuid);
      await s.close();
    },
  };
}

/**
 * A helpdesk account signed in from `ip` and granted `role` on one VM of host 1 (the only rights it
 * has beyond its account role's).
 */
export async function consoleVmUser(
  s: ConsoleStack,
  o: { username: string; password: string; role: string; vmUuid: string; ip: string },
): Promise<{ id: string; token: string; grantId: string }> {
  const admin = sessionCaller(await s.sessionOf(s.adminToken), o.ip);
  await s.m.users.userCreate(
    admin,
    s.m.users.UserCreateSchema.parse({ username: o.username, password: o.password, role: "helpdesk" }),
  );
  const { token } = await s.m.login.login(
    { username: o.username, password: o.password },
    { ip: o.ip, userAgent: "vitest" },
  );
  const id = (await s.m.users.usersList()).find((u) => u.username === o.username)!.id;
  const grant = await s.m.db
    .db()
    .grant.create({ data: { userId: id, roleId: o.role, scope: "vm", hostId: s.hostId, vmUuid: o.vmUuid } });
  return { id, token, grantId: grant.id };
}

/** Destroys and undefines a test guest, ignoring "not running" / "not defined". */
export function guestRemove(uuid: string): void {
  for (const cmd of ["destroy", "undefine"]) {
    try {
      virsh(cmd, uuid);
    } catch {
      /* already gone */
    }
  }
}
