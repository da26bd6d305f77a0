// Console channels and per-user console limits on the real stack (real sshd, libvirtd, QEMU, PostgreSQL):
// a SPICE extra channel joins only the live main channel it names (same session or share link), dies
// with it, and does not exist for VNC/serial; a user may hold at most VIRTDECK_MAX_CONSOLES_PER_USER
// consoles (their share links count); a client that sends more than VIRTDECK_CONSOLE_EARLY_INPUT_BYTES
// before the guest's side is connected is closed; screenshots need vm.console.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { testDbKind } from "./helpers/test-database";
import {
  consoleOpen,
  consoleStackWithGuests,
  consoleVmUser,
  rfbHandshake,
  type ConsoleStack,
  type Opened,
} from "./helpers/console-stack";
import { spiceLogin, type Wire } from "./helpers/wire";
import { sessionCaller } from "./helpers/callers";

const tag = randomBytes(3).toString("hex");
const spice = { name: `vdtest-chan-${tag}-spice`, uuid: randomUUID() };
const vnc = { name: `vdtest-chan-${tag}-vnc`, uuid: randomUUID() };
const ip = "127.0.0.9";
let s: ConsoleStack;
let share: typeof import("@/lib/consoles/share-links");
/** A helpdesk user (vm.view + vm.console on the VNC guest only) and a viewer (vm.view only) of it. */
let capper: { id: string; token: string };
let viewer: { id: string; token: string };

const wsWire = (o: Opened): Wire => ({ next: (n) => o.next(n), send: (b) => o.ws.send(b) });

async function mintAs(
  token: string,
  uuid: string,
  input: { kind: "vnc" | "spice" | "serial"; mode?: "interactive" | "view"; channel?: "main" | "extra"; main?: string },
) {
  return s.m.tickets.consoleTicketMint(sessionCaller(await s.sessionOf(token)), s.hostId, uuid, {
    mode: "interactive",
    ...input,
  });
}

/** Calls a route handler as the browser does: session cookie, CSRF header on POST. */
async function route(
  token: string,
  mod: { GET?: unknown; POST?: unknown },
  method: "GET" | "POST",
  path: string,
  params: Record<string, string>,
  body?: unknown,
) {
  const session = await s.sessionOf(token);
  const handler = mod[method] as (
    req: NextRequest,
    ctx: { params: Promise<Record<string, string>> },
  ) => Promise<Response>;
  const headers: Record<string, string> = { cookie: `vd_session=${token}`, "x-virtdeck-peer": ip };
  if (method === "POST")
    Object.assign(headers, { "content-type": "application/json", "x-csrf-token": session.csrfToken });
  return handler(
    new NextRequest(`http://127.0.0.1:3000${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
    { params: Promise.resolve(params) },
  );
}

const userWith = (username: string, role: "helpdesk" | "viewer") =>
  consoleVmUser(s, { username, password: `${username} password 1`, role, vmUuid: vnc.uuid, ip });

beforeAll(async () => {
  s = await consoleStackWithGuests([
    { ...spice, spice: true, displayPassword: true },
    { ...vnc, vnc: true },
  ]);
  share = await import("@/lib/consoles/share-links");
  capper = await userWith("capper", "helpdesk");
  viewer = await userWith("viewer1", "viewer");
}, 120_000);

afterAll(() => s?.close());

describe(`console channels and limits on ${testDbKind()}`, () => {
  it("admits a SPICE extra channel only for the live main channel it names, of the same session, and closes it with the main", async () => {
    const main = await mintAs(s.adminToken, spice.uuid, { kind: "spice" });
    expect(main.password).toBeTruthy();
    // No main channel open yet: nothing to join.
    await expect(
      mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: main.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    const m = await consoleOpen(s.port, main.ticket, s.adminToken);
    expect(await spiceLogin(wsWire(m), main.password!)).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });

    const extra = await mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: main.ticket });
    expect(extra.password).toBeUndefined();
    const x = await consoleOpen(s.port, extra.ticket, s.adminToken);
    // The extra channel reaches the same SPICE server and links with the console's password.
    expect(await spiceLogin(wsWire(x), main.password!)).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });
    const rows = await s.m.db
      .db()
      .consoleSession.findMany({ where: { vmUuid: spice.uuid, endedAt: null }, orderBy: { startedAt: "asc" } });
    expect(rows.map((r) => r.mainTicketId)).toEqual([null, rows[0].ticketId]);

    // Without naming the main channel, naming a made-up one, or from another session of the same user: refused.
    await expect(mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra" })).rejects.toMatchObject({
      code: "invalid_state",
    });
    await expect(
      mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: "x".repeat(43) }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    const second = (
      await s.m.login.login({ username: "admin", password: "console admin pw" }, { ip, userAgent: "vitest" })
    ).token;
    await expect(
      mintAs(second, spice.uuid, { kind: "spice", channel: "extra", main: main.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    // An extra channel's ticket is not a main channel: it names nothing further.
    await expect(
      mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: extra.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });

    // The main channel closes: its extra channel follows within the proxy's check, and no new one is minted.
    const t0 = Date.now();
    m.ws.close(1000);
    const closed = await x.closed;
    expect(closed.reason).toBe("the console's main channel closed");
    expect(closed.at - t0).toBeLessThan(3_000);
    await expect(
      mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: main.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("refuses channel extra for VNC and serial consoles (400), on the signed-in ticket route too", async () => {
    await expect(mintAs(s.adminToken, vnc.uuid, { kind: "vnc", channel: "extra" })).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(mintAs(s.adminToken, vnc.uuid, { kind: "serial", channel: "extra" })).rejects.toMatchObject({
      code: "bad_request",
    });
    const mod = await import("@/app/api/vms/[hostId]/[uuid]/console/route");
    const params = { hostId: s.hostId, uuid: vnc.uuid };
    const res = await route(s.adminToken, mod, "POST", `/api/vms/${s.hostId}/${vnc.uuid}/console`, params, {
      kind: "vnc",
      channel: "extra",
    });
    expect(res.status).toBe(400);
    expect(await s.m.db.db().consoleTicket.count({ where: { vmUuid: vnc.uuid } })).toBe(0);
  });

  it("lets a single-use SPICE share link's extra channels join its live session only, and none after it closed", async () => {
    const caller = sessionCaller(await s.sessionOf(s.adminToken), ip);
    const created = await share.shareLinkCreate(caller, s.hostId, spice.uuid, {
      kind: "spice",
      expiresInMinutes: 10,
      viewOnly: false,
      singleUse: true,
    });
    const token = created.path.replace(/^\/share\//, "");
    const main = await share.shareTicketMint(token, { mode: "interactive", channel: "main" });
    const m = await consoleOpen(s.port, main.ticket, null);
    expect(await spiceLogin(wsWire(m), main.password!)).toMatchObject({ authResult: 0 });
    const extra = await share.shareTicketMint(token, { mode: "interactive", channel: "extra", main: main.ticket });
    const x = await consoleOpen(s.port, extra.ticket, null);
    expect(await spiceLogin(wsWire(x), main.password!)).toMatchObject({ authResult: 0 });
    await expect(share.shareTicketMint(token, { mode: "interactive", channel: "extra" })).rejects.toMatchObject({
      code: "invalid_state",
    });
    // The admin's own session cannot hang channels on the link's console either (another principal).
    await expect(
      mintAs(s.adminToken, spice.uuid, { kind: "spice", channel: "extra", main: main.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    m.ws.close(1000);
    await m.closed;
    await x.closed;
    await expect
      .poll(async () => s.m.db.db().consoleSession.count({ where: { shareLinkId: created.link.id, endedAt: null } }))
      .toBe(0);
    await expect(
      share.shareTicketMint(token, { mode: "interactive", channel: "extra", main: main.ticket }),
    ).rejects.toMatchObject({ code: "invalid_state" });
    await expect(share.shareTicketMint(token, { mode: "interactive", channel: "main" })).rejects.toMatchObject({
      code: "forbidden",
    });
  });

  it("refuses a user's 21st console (429), counting the share links they created", async () => {
    const opened: Opened[] = [];
    try {
      for (let i = 0; i < 19; i++) {
        const o = await consoleOpen(
          s.port,
          (await mintAs(capper.token, vnc.uuid, { kind: "vnc" })).ticket,
          capper.token,
        );
        await rfbHandshake(o);
        opened.push(o);
      }
      // The 20th through a link the user created: an anonymous visitor's console counts for its creator.
      const caller = sessionCaller(await s.sessionOf(capper.token), ip);
      const link = await share.shareLinkCreate(caller, s.hostId, vnc.uuid, {
        kind: "vnc",
        expiresInMinutes: 10,
        viewOnly: true,
        singleUse: false,
      });
      const linkToken = link.path.replace(/^\/share\//, "");
      const viaLink = await consoleOpen(
        s.port,
        (await share.shareTicketMint(linkToken, { mode: "view", channel: "main" })).ticket,
        null,
      );
      await rfbHandshake(viaLink);
      opened.push(viaLink);

      await expect(mintAs(capper.token, vnc.uuid, { kind: "vnc" })).rejects.toMatchObject({
        code: "rate_limited",
        message: expect.stringMatching(/20 consoles/),
      });
      await expect(share.shareTicketMint(linkToken, { mode: "view", channel: "main" })).rejects.toMatchObject({
        code: "rate_limited",
      });
      const mod = await import("@/app/api/vms/[hostId]/[uuid]/console/route");
      const res = await route(
        capper.token,
        mod,
        "POST",
        `/api/vms/${s.hostId}/${vnc.uuid}/console`,
        { hostId: s.hostId, uuid: vnc.uuid },
        { kind: "vnc", mode: "view" },
      );
      expect(res.status).toBe(429);
      // Another user is not affected.
      expect((await mintAs(s.adminToken, vnc.uuid, { kind: "vnc", mode: "view" })).kind).toBe("vnc");

      // One closes: room for one more.
      const first = opened.shift()!;
      first.ws.close(1000);
      await first.closed;
      await expect
        .poll(async () => s.m.db.db().consoleSession.count({ where: { userId: capper.id, endedAt: null } }))
        .toBe(19);
      expect((await mintAs(capper.token, vnc.uuid, { kind: "vnc" })).kind).toBe("vnc");
    } finally {
      for (const o of opened) o.ws.close(1000);
      for (const o of opened) await o.closed;
      // The server ends each session's row a moment after its socket closed: until then the next test's
      // interactive console would find capper holding this VM.
      await expect
        .poll(() => s.m.db.db().consoleSession.count({ where: { userId: capper.id, endedAt: null } }), {
          timeout: 15_000,
        })
        .toBe(0);
    }
  }, 120_000);

  it("closes a console whose client sends more than 256 KiB before the guest's side is connected", async () => {
    // Expire the tickets the previous test left unused.
    await s.m.db.db().consoleTicket.deleteMany({ where: { usedAt: null } });
    const minted = await mintAs(s.adminToken, vnc.uuid, { kind: "vnc" });
    const o = await consoleOpen(s.port, minted.ticket, s.adminToken);
    // Right after the upgrade: the server is still reading the domain and opening the SSH forward.
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 5; i++) o.ws.send(chunk);
    const closed = await o.closed;
    expect(closed.code).toBe(4017);
    expect(closed.reason).toBe("more than 262144 bytes of input before the console was ready");
    // Nothing came from the guest, and none of the input reached it. The overflow lands either while the
    // backend opens (then the open is recorded as failed) or while the session's row is being written
    // (then that row is ended at once with the same reason): both are on record, neither stays open.
    expect(o.data).toHaveLength(0);
    const reason = "more than 262144 bytes of input before the console was ready";
    const recorded = async () => {
      const e = await s.m.db.db().auditEvent.findFirst({
        where: { action: { in: ["console.open", "console.close"] }, targetId: { contains: vnc.uuid } },
        orderBy: { id: "desc" },
      });
      if (!e) return null;
      const d = e.details as { error?: string; reason?: string } | null;
      return e.action === "console.open"
        ? { outcome: e.outcome, why: d?.error }
        : { outcome: "closed", why: d?.reason };
    };
    await expect
      .poll(recorded, { timeout: 15_000 })
      .toMatchObject({ outcome: expect.stringMatching(/^(failure|closed)$/), why: reason });
    await expect
      .poll(() => s.m.db.db().consoleSession.count({ where: { vmUuid: vnc.uuid, endedAt: null } }), { timeout: 5_000 })
      .toBe(0);

    // Below the limit, early input is kept and delivered: a client version sent at once, before the
    // server's, still gets QEMU to offer its security types.
    const ok = await consoleOpen(s.port, (await mintAs(s.adminToken, vnc.uuid, { kind: "vnc" })).ticket, s.adminToken);
    ok.ws.send(Buffer.from("RFB 003.008\n"));
    expect((await ok.next(12)).toString("latin1")).toBe("RFB 003.008\n");
    const count = (await ok.next(1))[0];
    expect([...(await ok.next(count))]).toContain(1);
    ok.ws.close(1000);
    expect((await ok.closed).code).toBe(1000);
  });

  it("serves screenshots to holders of vm.console only: 403 for a viewer, a PNG for a console user", async () => {
    const mod = await import("@/app/api/vms/[hostId]/[uuid]/screenshot/route");
    const params = { hostId: s.hostId, uuid: vnc.uuid };
    const path = `/api/vms/${s.hostId}/${vnc.uuid}/screenshot`;
    const denied = await route(viewer.token, mod, "GET", path, params);
    expect(denied.status).toBe(403);
    const ok = await route(capper.token, mod, "GET", path, params);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("content-type")).toBe("image/png");
    const png = Buffer.from(await ok.arrayBuffer());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});
