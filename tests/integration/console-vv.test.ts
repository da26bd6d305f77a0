// SPICE .vv files on the real stack: what remote-viewer does with one (HTTP CONNECT to the app with
// the ticket as target, then the SPICE link and password), against a real QEMU SPICE server behind
// the real sshd; refusals of missing, used, expired and foreign tickets.
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/test-database";
import { consoleOpen, consoleStackWithGuests, virsh, type ConsoleStack } from "./helpers/console-stack";
import { connectThrough as connectThroughApp, spiceLinkMess, spiceLogin } from "./helpers/wire";
import { sessionCaller } from "./helpers/callers";
import { vvFields } from "../shared/vv-fields";

const guest = { name: `vdtest-convv-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
/** A SPICE display started without password auth (libvirt's default without a passwd). */
const open = { name: `${guest.name}-nopw`, uuid: randomUUID() };
let s: ConsoleStack;

const connectThrough = (hostPart: string) => connectThroughApp(s.port, hostPart);

const ticketId = (hostPart: string) => createHash("sha256").update(hostPart.slice(3).replace(".", "")).digest("hex");

async function vv(uuid = guest.uuid) {
  const file = await s.m.tickets.consoleVvCreate(
    sessionCaller(await s.sessionOf(s.adminToken)),
    s.hostId,
    uuid,
    `http://127.0.0.1:${s.port}`,
  );
  return { ...file, fields: vvFields(file.body) };
}

beforeAll(async () => {
  s = await consoleStackWithGuests([
    { ...guest, spice: true, displayPassword: true },
    { ...open, spice: true },
  ]);
}, 120_000);

afterAll(() => s?.close());

describe(`SPICE .vv through HTTP CONNECT on ${testDbKind()}`, () => {
  it("writes a .vv naming the app as proxy, and sets that one-session password on the guest with a validity", async () => {
    const t0 = Date.now();
    const { fields, filename } = await vv();
    expect(filename).toBe(`${guest.name}.vv`);
    expect(fields).toMatchObject({ type: "spice", proxy: `http://127.0.0.1:${s.port}` });
    // Hex in two DNS labels: GLib lower-cases the host name it sends in CONNECT.
    expect(fields.host).toMatch(/^vd-[0-9a-f]{32}\.[0-9a-f]{32}$/);
    expect(fields.password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    const live = virsh("dumpxml", "--security-info", guest.uuid);
    const g = /<graphics type='spice'[^>]*>/.exec(live)![0];
    expect(g).toContain(`passwd='${fields.password}'`);
    const validTo = Date.parse(`${/passwdValidTo='([^']+)'/.exec(g)![1]}Z`);
    expect(validTo).toBeGreaterThan(t0 + 60_000);
    expect(validTo).toBeLessThan(t0 + 130_000);
    expect(g).toContain("listen='127.0.0.1'");
  });

  it("does what remote-viewer does: CONNECT with the ticket, SPICE link answered REDQ by the real guest, the password accepted; further channels join within the window", async () => {
    const { fields } = await vv();
    // Upper case as well: host names are case-insensitive.
    const main = await connectThrough(fields.host.toUpperCase());
    expect(main.status).toBe(200);
    const login = await spiceLogin(main.c, fields.password);
    expect(login).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });

    // A second channel with the same ticket (remote-viewer opens display, inputs, cursor... right after main).
    const display = await connectThrough(fields.host);
    expect(display.status).toBe(200);
    display.c.send(spiceLinkMess());
    expect((await display.c.read(16)).subarray(0, 4).toString("latin1")).toBe("REDQ");
    display.c.sock.destroy();

    // Recorded as console sessions of the ticket's user, over http_connect.
    await expect
      .poll(async () => await s.m.db.db().consoleSession.count({ where: { vmUuid: guest.uuid, kind: "spice" } }))
      .toBeGreaterThanOrEqual(2);
    const audit = await s.m.db.db().auditEvent.findFirst({
      where: { action: "console.open", targetId: `${s.hostId}/${guest.uuid}`, outcome: "success" },
    });
    expect(audit?.actorName).toBe("admin");
    main.c.sock.destroy();
  });

  it("refuses a wrong password at the SPICE server (the password is really set)", async () => {
    const { fields } = await vv();
    const main = await connectThrough(fields.host);
    expect(main.status).toBe(200);
    const login = await spiceLogin(main.c, "not-the-password");
    expect(login.magic).toBe("REDQ");
    expect(login.authResult).not.toBe(0);
    main.c.sock.destroy();
  });

  it("still tunnels a display started without password auth, with a .vv that carries no password", async () => {
    const { fields } = await vv(open.uuid);
    expect(fields.password).toBeUndefined();
    const main = await connectThrough(fields.host);
    expect(main.status).toBe(200);
    expect(await spiceLogin(main.c, "")).toEqual({ magic: "REDQ", linkError: 0, authResult: 0 });
    main.c.sock.destroy();
  });

  it("refuses CONNECT without a ticket, to any other target, with a used ticket after its window, an expired one, or a websocket ticket; and a .vv ticket on the websocket", async () => {
    expect((await connectThrough("127.0.0.1")).status).toBe(403);
    expect((await connectThrough("vd-")).status).toBe(403);
    expect(
      (await connectThrough(`vd-${randomBytes(16).toString("hex")}.${randomBytes(16).toString("hex")}`)).status,
    ).toBe(403);

    const used = (await vv()).fields.host;
    const first = await connectThrough(used);
    expect(first.status).toBe(200);
    first.c.sock.destroy();
    await s.m.db
      .db()
      .consoleTicket.update({ where: { id: ticketId(used) }, data: { usedAt: new Date(Date.now() - 16_000) } });
    expect((await connectThrough(used)).status).toBe(403);

    const expired = (await vv()).fields.host;
    await s.m.db
      .db()
      .consoleTicket.update({ where: { id: ticketId(expired) }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    expect((await connectThrough(expired)).status).toBe(403);

    const wsTicket = await s.m.tickets.consoleTicketMint(
      sessionCaller(await s.sessionOf(s.adminToken)),
      s.hostId,
      guest.uuid,
      { kind: "spice", mode: "interactive", channel: "main" },
    );
    expect((await connectThrough(`vd-${wsTicket.ticket}`)).status).toBe(403);

    const vvTicket = (await vv()).fields.host.slice(3).replace(".", "");
    await expect(consoleOpen(s.port, vvTicket, s.adminToken)).rejects.toMatchObject({ status: 403 });
  });

  it("refuses a .vv whose web session has ended (sign-out revokes the file)", async () => {
    const { fields } = await vv();
    const session = await s.sessionOf(s.adminToken);
    await s.m.session.sessionRevoke(session.id);
    expect((await connectThrough(fields.host)).status).toBe(403);
  });
});
