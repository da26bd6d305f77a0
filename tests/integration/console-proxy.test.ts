// The console websocket against the real stack: a real guest (the tiny Linux guest) on host 1,
// reached through the real sshd; tickets, refusals, revocation, take-over, guest shutdown and the
// serial console, on the chosen database back end.
import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/test-database";
import {
  consoleOpen,
  consoleRefusedStatus,
  consoleStackStart,
  guestRemove,
  rfbHandshake,
  virsh,
  type ConsoleStack,
} from "./helpers/console-stack";
import { TINY_BANNER, tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";
import { sessionCaller } from "./helpers/callers";

let s: ConsoleStack;
let port: number;
let hostId: string;
const guest = { name: `vdtest-console-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
let m: ConsoleStack["m"];
const meta = { ip: "127.0.0.9", userAgent: "vitest" };
const tokens: Record<"admin" | "help" | "ops", string> = { admin: "", help: "", ops: "" };

async function sessionOf(who: keyof typeof tokens) {
  const session = await m.session.sessionLookup(tokens[who]);
  if (!session) throw new Error(`no session for ${who}`);
  return session;
}

async function mint(
  who: keyof typeof tokens,
  kind: "vnc" | "serial",
  mode: "interactive" | "view" | "takeover" = "interactive",
) {
  return m.tickets.consoleTicketMint(sessionCaller(await sessionOf(who)), hostId, guest.uuid, { kind, mode });
}

/** Opens the console websocket on this file's server; rejects with the HTTP status when refused before the upgrade. */
const open = (ticket: string | null, cookieToken: string | null, origin?: string) =>
  consoleOpen(port, ticket, cookieToken, origin);

beforeAll(async () => {
  s = await consoleStackStart();
  ({ m, port, hostId } = s);
  tokens.admin = s.adminToken;
  const caller = sessionCaller(await sessionOf("admin"), meta.ip);
  await m.users.userCreate(
    caller,
    m.users.UserCreateSchema.parse({ username: "help", password: "helpdesk pw 1", role: "helpdesk" }),
  );
  await m.users.userCreate(
    caller,
    m.users.UserCreateSchema.parse({ username: "ops", password: "operator pw 1", role: "operator" }),
  );
  tokens.help = (await m.login.login({ username: "help", password: "helpdesk pw 1" }, meta)).token;
  tokens.ops = (await m.login.login({ username: "ops", password: "operator pw 1" }, meta)).token;
  // Helpdesk accounts hold nothing until granted: "help" gets the helpdesk role (view + console) on this guest.
  const helpUser = (await m.users.usersList()).find((u) => u.username === "help")!;
  await m.db
    .db()
    .grant.create({ data: { userId: helpUser.id, roleId: "helpdesk", scope: "vm", hostId, vmUuid: guest.uuid } });

  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const dir = mkdtempSync("/tmp/vdtest-console-");
  writeFileSync(`${dir}/guest.xml`, tinyGuestXml({ ...guest, ...tinyGuestFiles() }));
  virsh("define", `${dir}/guest.xml`);
  virsh("start", guest.uuid);
}, 120_000);

afterAll(async () => {
  guestRemove(guest.uuid);
  await s?.close();
});

describe(`console websocket on ${testDbKind()}`, () => {
  it("carries the guest's VNC stream through the SSH tunnel and records bytes when closed", async () => {
    const t = await mint("admin", "vnc");
    expect(t.url).toBe(`/ws/console?ticket=${encodeURIComponent(t.ticket)}`);
    const o = await open(t.ticket, tokens.admin);
    const fb = await rfbHandshake(o);
    expect(fb.width).toBeGreaterThan(0);
    expect(fb.height).toBeGreaterThan(0);
    o.ws.close();
    await o.closed;
    await expect
      .poll(
        async () =>
          (
            await m.db.db().consoleSession.findFirst({
              where: { vmUuid: guest.uuid, endedAt: { not: null } },
              orderBy: { startedAt: "desc" },
            })
          )?.bytesOut ?? 0n,
      )
      .toBeGreaterThan(24n);
  });

  it("refuses a reused ticket, another user's ticket, a missing ticket or cookie, an expired ticket and a foreign origin", async () => {
    const used = await mint("admin", "vnc");
    const first = await open(used.ticket, tokens.admin);
    first.ws.close(1000);
    await first.closed;
    expect(await consoleRefusedStatus(open(used.ticket, tokens.admin))).toBe(403);

    const admins = await mint("admin", "vnc");
    expect(await consoleRefusedStatus(open(admins.ticket, tokens.help))).toBe(403);
    // ...and the attempt burnt it: the owner cannot use it afterwards either.
    expect(await consoleRefusedStatus(open(admins.ticket, tokens.admin))).toBe(403);

    expect(await consoleRefusedStatus(open(null, tokens.admin))).toBe(403);
    const noCookie = await mint("admin", "vnc");
    expect(await consoleRefusedStatus(open(noCookie.ticket, null))).toBe(401);
    expect(await consoleRefusedStatus(open(noCookie.ticket, "forged-token"))).toBe(401);

    const foreign = await mint("admin", "vnc");
    expect(await consoleRefusedStatus(open(foreign.ticket, tokens.admin, "http://evil.example"))).toBe(403);

    const expired = await mint("admin", "vnc");
    const { createHash } = await import("node:crypto");
    await m.db.db().consoleTicket.update({
      where: { id: createHash("sha256").update(expired.ticket).digest("hex") },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await consoleRefusedStatus(open(expired.ticket, tokens.admin))).toBe(403);
  });

  it("answers console_held to a second interactive user, allows view-only, and lets a privileged user take over", async () => {
    // Sessions of the earlier tests are closed and recorded as ended.
    await expect.poll(() => m.tickets.consoleHolders(hostId, guest.uuid)).toEqual([]);
    const admin = await open((await mint("admin", "vnc")).ticket, tokens.admin);
    await rfbHandshake(admin);
    await expect(mint("help", "vnc")).rejects.toMatchObject({
      code: "console_held",
      extra: { data: { holders: [expect.objectContaining({ username: "admin", kind: "vnc" })] } },
    });
    await expect(mint("help", "vnc", "takeover")).rejects.toMatchObject({ code: "forbidden" });
    const view = await mint("help", "vnc", "view");
    expect(view.viewOnly).toBe(true);
    const viewer = await open(view.ticket, tokens.help);
    await rfbHandshake(viewer);

    const takeover = await open((await mint("ops", "vnc", "takeover")).ticket, tokens.ops);
    const t0 = Date.now();
    const closed = await admin.closed;
    expect(closed.code).toBe(4011);
    expect(closed.reason).toBe("taken over by ops");
    expect(closed.at - t0).toBeLessThan(2_500);
    takeover.ws.close();
    viewer.ws.close();
  });

  it("closes an open console within 2 s when its user is disabled", async () => {
    const o = await open((await mint("help", "vnc", "view")).ticket, tokens.help);
    await rfbHandshake(o);
    const admin = sessionCaller(await sessionOf("admin"), meta.ip);
    const help = (await m.users.usersList()).find((u) => u.username === "help")!;
    const t0 = Date.now();
    await m.users.userUpdate(admin, help.id, { disabled: true });
    const closed = await o.closed;
    expect(closed.code).toBe(4003);
    expect(closed.at - t0).toBeLessThan(2_000);
    await expect(mint("help", "vnc", "view")).rejects.toBeTruthy();
  });

  it("reports a lost host connection with 4012, and a new ticket reconnects over a fresh connection", async () => {
    const o = await open((await mint("admin", "vnc")).ticket, tokens.admin);
    await rfbHandshake(o);
    const { fleet } = await import("@/lib/fleet/runtime");
    fleet().pool.close(hostId); // ends the real SSH connection under the open console
    const closed = await o.closed;
    expect(closed.code).toBe(4012);
    expect(closed.reason).toBe("host connection lost");
    const again = await open((await mint("admin", "vnc")).ticket, tokens.admin);
    expect((await rfbHandshake(again)).width).toBeGreaterThan(0);
    again.ws.close(1000);
    await again.closed;
  });

  it("closes the console cleanly when the guest goes away", async () => {
    const o = await open((await mint("admin", "vnc")).ticket, tokens.admin);
    await rfbHandshake(o);
    virsh("destroy", guest.uuid);
    const closed = await o.closed;
    expect(closed.code).toBe(4013);
    await expect(mint("admin", "vnc")).rejects.toMatchObject({ code: "invalid_state" });
  });

  it("attaches the serial console: the guest's boot banner arrives and typed commands run", async () => {
    virsh("start", "--paused", guest.uuid);
    const o = await open((await mint("admin", "serial")).ticket, tokens.admin);
    o.ws.send(JSON.stringify({ type: "resize", cols: 100, rows: 30 }));
    virsh("resume", guest.uuid);
    const text = () => Buffer.concat(o.data).toString("utf8");
    await expect.poll(text, { timeout: 45_000, interval: 200 }).toMatch(TINY_BANNER);
    await expect.poll(text, { timeout: 15_000, interval: 200 }).toMatch(/tiny:[^\r\n]*# /);
    o.ws.send(Buffer.from("echo hello-$((6*7))\r"));
    await expect.poll(text, { timeout: 15_000, interval: 200 }).toMatch(/hello-42/);
    o.ws.close(1000);
    expect((await o.closed).code).toBe(1000);
    await expect
      .poll(
        async () =>
          (await m.db.db().consoleSession.findFirst({ where: { vmUuid: guest.uuid, kind: "serial" } }))?.endedAt ??
          null,
      )
      .not.toBeNull();
  }, 90_000);
});
