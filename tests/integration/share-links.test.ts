// Console share links on the real stack: an idle guest on host 1 reached through the real sshd and
// the real console proxy; tickets minted through a link open the websocket without any cookie; a
// view-only link drops input on the server; a single-use link refuses a second open (also when two
// visitors race); an expired link is refused; revoking the link, the link expiring, or its creator
// losing vm.console closes an open console within 2 s; every use is in the audit log.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { testDbKind } from "./helpers/test-database";
import {
  consoleOpen,
  consoleRefusedStatus,
  consoleStackWithGuests,
  consoleVmUser,
  rfbHandshake,
  type ConsoleStack,
  type Opened,
} from "./helpers/console-stack";
import { sessionCaller } from "./helpers/callers";

const guest = { name: `vdtest-share-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
let s: ConsoleStack;
let share: typeof import("@/lib/consoles/share-links");
let sharer: { id: string; username: string; token: string };
let grantId = "";
const ip = "127.0.0.9";

/** Opens /ws/console with no cookie at all (a visitor without an account); rejects with the HTTP status when refused. */
const openAnonymous = (ticket: string) => consoleOpen(s.port, ticket, null);

async function sharerCaller() {
  return sessionCaller(await s.sessionOf(sharer.token), ip);
}

async function linkCreate(o: { viewOnly?: boolean; singleUse?: boolean; minutes?: number } = {}) {
  const created = await share.shareLinkCreate(await sharerCaller(), s.hostId, guest.uuid, {
    kind: "vnc",
    expiresInMinutes: o.minutes ?? 10,
    viewOnly: o.viewOnly ?? false,
    singleUse: o.singleUse ?? false,
  });
  const token = created.path.replace(/^\/share\//, "");
  return { id: created.link.id, token };
}

const KEY_EVENT = Buffer.from([4, 1, 0, 0, 0, 0, 0, 0x61]); // KeyEvent down 'a'
const POINTER_EVENT = Buffer.from([5, 1, 0, 10, 0, 10]); // PointerEvent button 1 at 10,10
/** Client bytes of the handshake rfbHandshake sends: version (12), security type (1), ClientInit (1). */
const HANDSHAKE_IN = 14;

async function sessionRow(linkId: string) {
  return s.m.db.db().consoleSession.findFirst({ where: { shareLinkId: linkId }, orderBy: { startedAt: "desc" } });
}

/** The visitor's console closes with 4003 and `reason` less than 2 s after `t0`. */
async function expectClosedWithin2s(o: Opened, t0: number, reason: string) {
  const closed = await o.closed;
  expect(closed.code).toBe(4003);
  expect(closed.reason).toBe(reason);
  expect(closed.at - t0).toBeLessThan(2_000);
}

/** Closes the visitor's socket and returns the link's console session row once it has ended. */
async function closeAndEndedRow(o: Opened, linkId: string) {
  o.ws.close(1000);
  await o.closed;
  await expect.poll(async () => (await sessionRow(linkId))?.endedAt ?? null).not.toBeNull();
  return sessionRow(linkId);
}

beforeAll(async () => {
  s = await consoleStackWithGuests([{ ...guest, vnc: true }]);
  share = await import("@/lib/consoles/share-links");
  // A helpdesk account granted the helpdesk role (view + console) on this guest only: the links' creator.
  const user = await consoleVmUser(s, {
    username: "sharer",
    password: "sharer password 1",
    role: "helpdesk",
    vmUuid: guest.uuid,
    ip,
  });
  sharer = { id: user.id, username: "sharer", token: user.token };
  grantId = user.grantId;
}, 120_000);

afterAll(() => s?.close());

describe(`console share links on ${testDbKind()}`, () => {
  it("opens the console through a link without any cookie, and records create, open and close in the audit log", async () => {
    const link = await linkCreate();
    const minted = await share.shareTicketMint(link.token, { mode: "interactive", channel: "main" });
    expect(minted.viewOnly).toBe(false);
    const o = await openAnonymous(minted.ticket);
    const fb = await rfbHandshake(o);
    expect(fb.width).toBeGreaterThan(0);
    o.send(KEY_EVENT);
    // The key event reaches the guest side: the proxy counts it once it is written to the SSH channel.
    await new Promise((r) => setTimeout(r, 300));
    const row = await closeAndEndedRow(o, link.id);
    expect(row?.sessionId).toBe("");
    expect(row?.userId).toBe(sharer.id);
    // Others at the console see that it is the creator's link, not the creator.
    expect(row?.username).toBe("sharer (share link)");
    expect(Number(row?.bytesIn)).toBe(HANDSHAKE_IN + KEY_EVENT.length);
    const audit = await s.m.db
      .db()
      .auditEvent.findMany({ where: { action: { startsWith: "share." } }, orderBy: { id: "asc" } });
    const forLink = audit.filter((a) => (a.details as { shareLink?: string }).shareLink === link.id);
    expect(forLink.map((a) => a.action)).toEqual(["share.create", "share.open", "share.close"]);
    expect(forLink.every((a) => a.actorId === sharer.id && a.targetId === `${s.hostId}/${guest.uuid}`)).toBe(true);
    expect((await s.m.db.db().shareLink.findUnique({ where: { id: link.id } }))?.uses).toBe(1);
    // The secret is stored only as its SHA-256.
    const stored = await s.m.db.db().shareLink.findUnique({ where: { id: link.id } });
    expect(JSON.stringify(stored)).not.toContain(link.token);
  });

  it("goes through the public route without a cookie; an unknown token is 404; a normal ticket still needs its session", async () => {
    const link = await linkCreate();
    const { POST } = await import("@/app/api/share/[token]/ticket/route");
    const call = (token: string) =>
      POST(
        new NextRequest(`http://127.0.0.1:3000/api/share/${token}/ticket`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-virtdeck-peer": ip },
          body: "{}",
        }),
        {
          params: Promise.resolve({ token }),
        },
      );
    const ok = await call(link.token);
    expect(ok.status).toBe(201);
    const body = (await ok.json()) as { ticket: string; url: string };
    expect(body.url).toContain("/ws/console?ticket=");
    expect((await call("A".repeat(43))).status).toBe(404);
    expect((await call("short")).status).toBe(404);
    const o = await openAnonymous(body.ticket);
    await rfbHandshake(o);
    o.ws.close(1000);
    await o.closed;
    // A ticket of a web session is refused without its cookie.
    const own = await s.m.tickets.consoleTicketMint(
      sessionCaller(await s.sessionOf(sharer.token)),
      s.hostId,
      guest.uuid,
      { kind: "vnc", mode: "view", channel: "main" },
    );
    expect(await consoleRefusedStatus(openAnonymous(own.ticket))).toBe(401);
  });

  it("drops a view-only link's input on the server, even when the page asks for an interactive console", async () => {
    const link = await linkCreate({ viewOnly: true });
    const minted = await share.shareTicketMint(link.token, { mode: "interactive", channel: "main" });
    expect(minted.viewOnly).toBe(true);
    const o = await openAnonymous(minted.ticket);
    await rfbHandshake(o);
    o.send(KEY_EVENT);
    o.send(POINTER_EVENT);
    await new Promise((r) => setTimeout(r, 300));
    const row = await closeAndEndedRow(o, link.id);
    expect(row?.viewOnly).toBe(true);
    expect(Number(row?.bytesIn)).toBe(HANDSHAKE_IN);
  });

  it("refuses a single-use link's second open, and lets only one of two racing visitors in", async () => {
    const link = await linkCreate({ singleUse: true });
    const first = await share.shareTicketMint(link.token, { mode: "interactive", channel: "main" });
    await expect(share.shareTicketMint(link.token, { mode: "interactive", channel: "main" })).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/one use/),
    });
    expect((await share.shareLinkPublic(link.token))?.state).toBe("used");
    const o = await openAnonymous(first.ticket);
    await rfbHandshake(o);
    o.ws.close(1000);
    await o.closed;

    const race = await linkCreate({ singleUse: true });
    const results = await Promise.allSettled(
      [1, 2, 3].map(() => share.shareTicketMint(race.token, { mode: "view", channel: "main" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect((await s.m.db.db().shareLink.findUnique({ where: { id: race.id } }))?.uses).toBe(1);
    // The losers' tickets were dropped: only the winner's ticket exists for the link.
    expect(await s.m.db.db().consoleTicket.count({ where: { shareLinkId: race.id } })).toBe(1);
  });

  it("mints no second console through channel extra of a single-use VNC link while its first session is open", async () => {
    const link = await linkCreate({ singleUse: true });
    const first = await share.shareTicketMint(link.token, { mode: "interactive", channel: "main" });
    const o = await openAnonymous(first.ticket);
    await rfbHandshake(o);
    // Extra channels exist only for SPICE: refused (400) however it is asked, naming the live session or not.
    await expect(share.shareTicketMint(link.token, { mode: "interactive", channel: "extra" })).rejects.toMatchObject({
      code: "bad_request",
    });
    await expect(
      share.shareTicketMint(link.token, { mode: "interactive", channel: "extra", main: first.ticket }),
    ).rejects.toMatchObject({ code: "bad_request" });
    const { POST } = await import("@/app/api/share/[token]/ticket/route");
    const res = await POST(
      new NextRequest(`http://127.0.0.1:3000/api/share/${link.token}/ticket`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-virtdeck-peer": ip },
        body: JSON.stringify({ mode: "interactive", channel: "extra" }),
      }),
      { params: Promise.resolve({ token: link.token }) },
    );
    expect(res.status).toBe(400);
    // Only the first ticket was ever minted through the link, and one console session exists.
    expect(await s.m.db.db().consoleTicket.count({ where: { shareLinkId: link.id } })).toBe(1);
    expect(await s.m.db.db().consoleSession.count({ where: { shareLinkId: link.id } })).toBe(1);
    o.ws.close(1000);
    await o.closed;
  });

  it("refuses an expired link, and a ticket of a link that expired before the websocket opened", async () => {
    const link = await linkCreate();
    const minted = await share.shareTicketMint(link.token, { mode: "view", channel: "main" });
    await s.m.db.db().shareLink.update({ where: { id: link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expect(share.shareTicketMint(link.token, { mode: "view", channel: "main" })).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/expired/),
    });
    expect(await consoleRefusedStatus(openAnonymous(minted.ticket))).toBe(403);
    expect((await share.shareLinkPublic(link.token))?.state).toBe("expired");
    const denied = await s.m.db
      .db()
      .auditEvent.findFirst({ where: { action: "share.open", outcome: "denied" }, orderBy: { id: "desc" } });
    expect(denied?.details).toMatchObject({ shareLink: link.id, reason: "share link expired" });
  });

  it("closes an open console within 2 s when the link expires", async () => {
    const link = await linkCreate();
    const o = await openAnonymous((await share.shareTicketMint(link.token, { mode: "view", channel: "main" })).ticket);
    await rfbHandshake(o);
    const t0 = Date.now();
    await s.m.db.db().shareLink.update({ where: { id: link.id }, data: { expiresAt: new Date() } });
    await expectClosedWithin2s(o, t0, "share link expired");
  });

  it("closes an open console within 2 s when the link is revoked, and refuses it afterwards", async () => {
    const link = await linkCreate();
    const o = await openAnonymous(
      (await share.shareTicketMint(link.token, { mode: "interactive", channel: "main" })).ticket,
    );
    await rfbHandshake(o);
    // Someone else without user.manage may not revoke it (and does not learn it exists).
    const admin = sessionCaller(await s.sessionOf(s.adminToken), ip);
    await s.m.users.userCreate(
      admin,
      s.m.users.UserCreateSchema.parse({ username: "other", password: "other password 1", role: "operator" }),
    );
    const other = (
      await s.m.login.login({ username: "other", password: "other password 1" }, { ip, userAgent: "vitest" })
    ).token;
    await expect(share.shareLinkRevoke(sessionCaller(await s.sessionOf(other), ip), link.id)).rejects.toMatchObject({
      code: "not_found",
    });
    const t0 = Date.now();
    await share.shareLinkRevoke(await sharerCaller(), link.id);
    await expectClosedWithin2s(o, t0, "share link revoked");
    await expect(share.shareTicketMint(link.token, { mode: "view", channel: "main" })).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/revoked/),
    });
    const listed = await share.shareLinkList(await sharerCaller(), s.hostId, guest.uuid);
    expect(listed.links.map((l) => l.id)).not.toContain(link.id);
    const revoked = await s.m.db
      .db()
      .auditEvent.findFirst({ where: { action: "share.revoke" }, orderBy: { id: "desc" } });
    expect(revoked?.details).toMatchObject({ shareLink: link.id });
    expect(revoked?.actorId).toBe(sharer.id);
  });

  it("closes an open console within 2 s when the creator loses vm.console, and refuses new opens", async () => {
    const link = await linkCreate();
    const o = await openAnonymous((await share.shareTicketMint(link.token, { mode: "view", channel: "main" })).ticket);
    await rfbHandshake(o);
    const t0 = Date.now();
    await s.m.db.db().grant.delete({ where: { id: grantId } });
    await expectClosedWithin2s(o, t0, "permission revoked");
    await expect(share.shareTicketMint(link.token, { mode: "view", channel: "main" })).rejects.toMatchObject({
      code: "forbidden",
    });
    expect((await share.shareLinkPublic(link.token))?.state).toBe("forbidden");
  });

  it("makes a link view-only unless the request says otherwise; a SPICE link must say it is interactive", async () => {
    const caller = await sharerCaller();
    const body = share.ShareLinkCreateSchema.parse({ kind: "vnc", expiresInMinutes: 10 });
    const created = await share.shareLinkCreate(caller, s.hostId, guest.uuid, body);
    expect(created.link.viewOnly).toBe(true);
    const row = await s.m.db.db().shareLink.findUnique({ where: { id: created.link.id } });
    expect(row?.viewOnly).toBe(true);
    const asked = await share.shareLinkCreate(caller, s.hostId, guest.uuid, { ...body, viewOnly: false });
    expect(asked.link.viewOnly).toBe(false);
    await expect(
      share.shareLinkCreate(caller, s.hostId, guest.uuid, { kind: "spice", expiresInMinutes: 10, singleUse: false }),
    ).rejects.toMatchObject({ code: "invalid_input", extra: { issues: [{ path: "viewOnly" }] } });
  });

  it("caps the duration by the security policy", async () => {
    const caller = sessionCaller(await s.sessionOf(s.adminToken), ip);
    await expect(
      share.shareLinkCreate(caller, s.hostId, guest.uuid, {
        kind: "vnc",
        expiresInMinutes: 24 * 60 + 1,
        viewOnly: false,
        singleUse: false,
      }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    await s.m.db.db().securityPolicy.upsert({
      where: { id: 1 },
      create: { id: 1, shareLinkMaxHours: 48 },
      update: { shareLinkMaxHours: 48 },
    });
    const ok = await share.shareLinkCreate(caller, s.hostId, guest.uuid, {
      kind: "vnc",
      expiresInMinutes: 48 * 60,
      viewOnly: false,
      singleUse: false,
    });
    expect(new Date(ok.link.expiresAt).getTime() - Date.now()).toBeGreaterThan(47 * 3600_000);
    await expect(
      share.shareLinkCreate(caller, s.hostId, guest.uuid, {
        kind: "spice",
        expiresInMinutes: 10,
        viewOnly: false,
        singleUse: false,
      }),
    ).rejects.toMatchObject({ code: "invalid_state" });
  });
});
