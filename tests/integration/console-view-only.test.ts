// View-only consoles on the real stack, with the tiny Linux guest on host 1 (real sshd, real
// libvirtd, real QEMU): a raw RFB client speaking 3.3, 3.7 or 3.8 through a view-only ticket or an
// anonymous view-only share link completes the handshake, gets a framebuffer update and types a
// command into the guest's VGA shell (tty1) that would write a marker to the serial port; the
// marker never shows on the guest's serial console, while the same bytes through an interactive
// ticket do run. Serial: a view-only viewer never forces the console (`virsh console --force`):
// it watches the stream of the person typing, who keeps typing, and is refused with a clear
// reason while a client outside virtdeck holds the console.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/test-database";
import {
  consoleOpen,
  consoleStackStart,
  guestRemove,
  idleGuestXml,
  serialConsoleProbe,
  URI,
  virsh,
  type ConsoleStack,
  type Opened,
} from "./helpers/console-stack";
import { TINY_BANNER, tinyGuestFiles, tinyGuestXml } from "./helpers/tiny-guest";
// noVNC's own DES (the package exports only its RFB entry point, without types); Node's OpenSSL 3 has no DES.
// @ts-expect-error -- untyped JavaScript module
import { DESECBCipher } from "../../node_modules/@novnc/novnc/core/crypto/des.js";
import { sessionCaller } from "./helpers/callers";

let s: ConsoleStack;
let share: typeof import("@/lib/consoles/share-links");
let proxy: typeof import("@/lib/consoles/proxy");
const guest = { name: `vdtest-viewonly-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
/** An idle guest whose VNC display wants a password (VNC authentication): virtdeck sets one per ticket. */
const locked = { name: `vdtest-viewonly-pw-${randomBytes(3).toString("hex")}`, uuid: randomUUID() };
const ip = "127.0.0.9";
let helpToken = "";
/** The admin's interactive serial console: what the guest writes to ttyS0, and a keyboard on it. */
let serial: Opened;

async function sessionFor(token: string) {
  return s.sessionOf(token);
}

async function mint(kind: "vnc" | "serial", mode: "interactive" | "view", token = s.adminToken) {
  return s.m.tickets.consoleTicketMint(sessionCaller(await sessionFor(token)), s.hostId, guest.uuid, { kind, mode });
}

/** A view-only share link of the admin's, and a ticket minted through it (the page asks for interactive: the link decides). */
async function shareTicket(kind: "vnc" | "serial"): Promise<string> {
  const created = await share.shareLinkCreate(sessionCaller(await sessionFor(s.adminToken), ip), s.hostId, guest.uuid, {
    kind,
    expiresInMinutes: 10,
    viewOnly: true,
    singleUse: false,
  });
  const minted = await share.shareTicketMint(created.path.replace(/^\/share\//, ""), {
    mode: "interactive",
    channel: "main",
  });
  expect(minted.viewOnly).toBe(true);
  return minted.ticket;
}

const marker = () => `vd${randomBytes(4).toString("hex")}`;
const serialText = () => serial.text();

// RFB KeyEvents (RFC 6143 7.5.4): down-flag, keysym. '>' needs Shift on QEMU's en-us keymap.
const SHIFT = 0xffe1;
const RETURN = 0xff0d;
const keyEvent = (down: boolean, keysym: number) => {
  const b = Buffer.from([4, down ? 1 : 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt32BE(keysym, 4);
  return b;
};
/** Down and up events typing `text` ("\r" is Return) on the guest's VGA console. */
function keystrokes(text: string): Buffer[] {
  const out: Buffer[] = [];
  for (const ch of text) {
    const sym = ch === "\r" ? RETURN : ch.charCodeAt(0);
    const shifted = ch === ">";
    if (shifted) out.push(keyEvent(true, SHIFT));
    out.push(keyEvent(true, sym), keyEvent(false, sym));
    if (shifted) out.push(keyEvent(false, SHIFT));
  }
  return out;
}
/** The shell command on tty1 that writes the marker to the serial port; Return first clears a half-typed line. */
const command = (m: string) => `\recho ${m} >/dev/ttyS0\r`;

/**
 * The 3.3 attack: after ClientInit, a filter that assumed 3.8 reads one byte too far (it takes
 * ClientInit for the security type and the next byte for ClientInit). Each round is, for QEMU, an
 * empty SetEncodings [2,pad,0,0] then two KeyEvents; for the shifted filter, a SetEncodings whose
 * count (4) swallows both KeyEvents. The tail is, for QEMU, an empty SetEncodings, then a full
 * FramebufferUpdateRequest, then 3 bytes of an update request; the shifted filter reads a
 * SetEncodings of 3 encodings over exactly those bytes. Every key is a KeyEvent for QEMU.
 */
function shiftedKeys(text: string, width: number, height: number): Buffer {
  const keys = keystrokes(text);
  const rounds: Buffer[] = [];
  for (let i = 0; i < keys.length; i += 2)
    rounds.push(Buffer.from([2, 2, 0, 0]), keys[i], keys[i + 1] ?? keyEvent(false, SHIFT));
  rounds.push(Buffer.from([2, 2, 0, 0]), updateRequest(width, height), Buffer.from([3, 0, 0]));
  return Buffer.concat(rounds);
}

function updateRequest(width: number, height: number, incremental = false): Buffer {
  const b = Buffer.from([3, incremental ? 1 : 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  b.writeUInt16BE(width, 6);
  b.writeUInt16BE(height, 8);
  return b;
}

/** The client's handshake as QEMU runs it for each version (security None), up to ServerInit; the framebuffer size. */
async function rfbHandshake(o: Opened, version: 3 | 7 | 8): Promise<{ width: number; height: number }> {
  expect((await o.next(12)).toString("latin1")).toBe("RFB 003.008\n");
  o.send(Buffer.from(`RFB 003.00${version}\n`));
  if (version === 3) {
    expect((await o.next(4)).readUInt32BE(0)).toBe(1); // the one type QEMU chose: None
  } else {
    const count = (await o.next(1))[0];
    expect([...(await o.next(count))]).toEqual([1]);
    o.send(Buffer.from([1]));
    if (version === 8) expect((await o.next(4)).readUInt32BE(0)).toBe(0); // SecurityResult: 3.8 only, with None
  }
  o.send(Buffer.from([1])); // ClientInit, shared
  const init = await o.next(24);
  await o.next(init.readUInt32BE(20));
  return { width: init.readUInt16BE(0), height: init.readUInt16BE(2) };
}

/**
 * A viewer that types: the handshake, then (3.3) the shifted attack that also asks for a full
 * update, or (3.7/3.8) raw encoding, a full update request and plain KeyEvents followed by the same
 * rounds. Resolves once the first FramebufferUpdate's header arrived, after the keys were sent.
 */
async function typeThrough(o: Opened, version: 3 | 7 | 8, text: string): Promise<void> {
  const { width, height } = await rfbHandshake(o, version);
  expect(width).toBeGreaterThan(0);
  if (version === 3) {
    o.send(shiftedKeys(text, width, height));
  } else {
    o.send(Buffer.from([2, 0, 0, 1, 0, 0, 0, 0])); // SetEncodings: raw
    o.send(updateRequest(width, height));
    o.send(Buffer.concat(keystrokes(text)));
    o.send(shiftedKeys(text, width, height));
  }
  const update = await o.next(4, 20_000);
  expect(update[0]).toBe(0); // FramebufferUpdate
  expect(update.readUInt16BE(2)).toBeGreaterThan(0);
}

let holder: ChildProcess | null = null;

beforeAll(async () => {
  s = await consoleStackStart();
  share = await import("@/lib/consoles/share-links");
  proxy = await import("@/lib/consoles/proxy");
  const admin = sessionCaller(await sessionFor(s.adminToken), ip);
  await s.m.users.userCreate(
    admin,
    s.m.users.UserCreateSchema.parse({ username: "help", password: "helpdesk pw 1", role: "helpdesk" }),
  );
  helpToken = (await s.m.login.login({ username: "help", password: "helpdesk pw 1" }, { ip, userAgent: "vitest" }))
    .token;
  const help = (await s.m.users.usersList()).find((u) => u.username === "help")!;
  await s.m.db
    .db()
    .grant.create({ data: { userId: help.id, roleId: "helpdesk", scope: "vm", hostId: s.hostId, vmUuid: guest.uuid } });

  const dir = mkdtempSync("/tmp/vdtest-viewonly-");
  writeFileSync(`${dir}/guest.xml`, tinyGuestXml({ ...guest, ...tinyGuestFiles() }));
  virsh("define", `${dir}/guest.xml`);
  virsh("start", "--paused", guest.uuid);
  writeFileSync(`${dir}/locked.xml`, idleGuestXml({ ...locked, vnc: true, displayPassword: true }));
  virsh("define", `${dir}/locked.xml`);
  virsh("start", "--paused", locked.uuid);
  serial = await consoleOpen(s.port, (await mint("serial", "interactive")).ticket, s.adminToken);
  virsh("resume", guest.uuid);
  await waitFor(serialText, TINY_BANNER, 60_000);
  await waitFor(serialText, /tiny:[^\r\n]*# /, 20_000);
}, 150_000);

/** expect.poll outside a test: until `read()` matches or the time is up. */
async function waitFor(read: () => string, re: RegExp, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!re.test(read())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${re}: ${JSON.stringify(read().slice(-300))}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

afterAll(async () => {
  if (holder && holder.exitCode === null) holder.kill();
  guestRemove(guest.uuid);
  guestRemove(locked.uuid);
  await s?.close();
});

describe(`view-only consoles on ${testDbKind()}`, () => {
  for (const version of [3, 7, 8] as const) {
    it(`VNC RFB 3.${version}: keys through a view-only ticket or a view-only share link never reach the guest; through an interactive ticket they do`, async () => {
      const seen = serialText().length;
      const viaTicket = marker();
      const viaLink = marker();
      const ticketViewer = await consoleOpen(s.port, (await mint("vnc", "view", helpToken)).ticket, helpToken);
      await typeThrough(ticketViewer, version, command(viaTicket));
      const linkViewer = await consoleOpen(s.port, await shareTicket("vnc"), null);
      await typeThrough(linkViewer, version, command(viaLink));

      // The same bytes through an interactive ticket run: the guest's shell was listening all along.
      const typed = marker();
      const interactive = await consoleOpen(s.port, (await mint("vnc", "interactive")).ticket, s.adminToken);
      await typeThrough(interactive, version, command(typed));
      await expect.poll(() => serialText().slice(seen), { timeout: 30_000, interval: 250 }).toContain(typed);
      // Keys are run in the order typed: the viewers' would have shown before this one.
      await new Promise((r) => setTimeout(r, 1_000));
      expect([viaTicket, viaLink].filter((m) => serialText().slice(seen).includes(m))).toEqual([]);
      // The viewers were not thrown out: their input was dropped, their picture goes on.
      expect(ticketViewer.ws.readyState).toBe(ticketViewer.ws.OPEN);
      expect(linkViewer.ws.readyState).toBe(linkViewer.ws.OPEN);
      for (const o of [ticketViewer, linkViewer, interactive]) o.ws.close(1000);
      await Promise.all([ticketViewer.closed, linkViewer.closed, interactive.closed]);
    }, 90_000);
  }

  it("VNC with VNC authentication: a view-only viewer speaking 3.3, 3.7 or 3.8 gets through the challenge to a framebuffer update; a wrong password gets no further", async () => {
    const des = (password: string, challenge: Buffer) =>
      Buffer.from(
        (DESECBCipher as { importKey(k: number[]): { encrypt(a: unknown, b: Uint8Array): Uint8Array } })
          .importKey([...password].map((c) => c.charCodeAt(0)))
          .encrypt({ name: "DES-ECB" }, challenge),
      );
    for (const version of [3, 7, 8] as const) {
      for (const right of [true, false]) {
        const t = await s.m.tickets.consoleTicketMint(
          sessionCaller(await sessionFor(s.adminToken)),
          s.hostId,
          locked.uuid,
          { kind: "vnc", mode: "view" },
        );
        expect(t.viewOnly).toBe(true);
        expect(t.password).toBeTruthy();
        const o = await consoleOpen(s.port, t.ticket, s.adminToken);
        expect((await o.next(12)).toString("latin1")).toBe("RFB 003.008\n");
        o.send(Buffer.from(`RFB 003.00${version}\n`));
        if (version === 3) expect((await o.next(4)).readUInt32BE(0)).toBe(2);
        else {
          expect([...(await o.next((await o.next(1))[0]))]).toEqual([2]);
          o.send(Buffer.from([2]));
        }
        o.send(des(right ? t.password! : "wrong-pw", await o.next(16)));
        const result = (await o.next(4)).readUInt32BE(0);
        if (!right) {
          expect(result).not.toBe(0);
          // Refused: ClientInit and what follows never reach QEMU; the server ends the connection.
          o.send(Buffer.concat([Buffer.from([1]), ...keystrokes("x")]));
          expect((await o.closed).code).toBe(proxy.CLOSE.refused);
          continue;
        }
        expect(result).toBe(0);
        o.send(Buffer.from([1]));
        const init = await o.next(24);
        await o.next(init.readUInt32BE(20));
        o.send(
          Buffer.concat([
            Buffer.from([2, 0, 0, 1, 0, 0, 0, 0]),
            ...keystrokes("x"),
            updateRequest(init.readUInt16BE(0), init.readUInt16BE(2)),
          ]),
        );
        expect((await o.next(4, 20_000))[0]).toBe(0);
        expect(o.ws.readyState).toBe(o.ws.OPEN);
        o.ws.close(1000);
        await o.closed;
      }
    }
  }, 90_000);

  it("VNC: a view-only session ends on a client version or message the proxy does not follow", async () => {
    const odd = await consoleOpen(s.port, (await mint("vnc", "view", helpToken)).ticket, helpToken);
    expect((await odd.next(12)).toString("latin1")).toBe("RFB 003.008\n");
    odd.send(Buffer.from("RFB 003.005\n"));
    expect((await odd.closed).code).toBe(proxy.CLOSE.revoked);

    const unknown = await consoleOpen(s.port, (await mint("vnc", "view", helpToken)).ticket, helpToken);
    await rfbHandshake(unknown, 8);
    unknown.send(Buffer.from([248, 0, 0, 0, 0, 0, 0, 0, 0])); // a fence: QEMU implements none
    const closed = await unknown.closed;
    expect(closed.code).toBe(proxy.CLOSE.revoked);
    expect(closed.reason).toMatch(/unknown RFB client message type 248/);
  });

  it("serial: a view-only viewer (ticket or share link) watches the typist's stream; the typist stays connected and keeps typing; the viewer's keys are dropped", async () => {
    const before = serialText().length;
    const viewer = await consoleOpen(s.port, (await mint("serial", "view", helpToken)).ticket, helpToken);
    const linkViewer = await consoleOpen(s.port, await shareTicket("serial"), null);
    // A view-only open with --force would have detached the typist by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(serial.ws.readyState).toBe(serial.ws.OPEN);
    const m = marker();
    serial.send(Buffer.from(`echo ${m}-$((6*7))\r`));
    await expect.poll(() => serialText().slice(before), { timeout: 15_000, interval: 200 }).toContain(`${m}-42`);
    await expect.poll(() => viewer.text(), { timeout: 5_000, interval: 200 }).toContain(`${m}-42`);
    await expect.poll(() => linkViewer.text(), { timeout: 5_000, interval: 200 }).toContain(`${m}-42`);
    // Watchers do not type (nor resize the typist's terminal).
    const ignored = marker();
    viewer.send(Buffer.from(`echo ${ignored}-$((6*7))\r`));
    viewer.ws.send(JSON.stringify({ type: "resize", cols: 20, rows: 5 }));
    linkViewer.send(Buffer.from(`echo ${ignored}-$((6*7))\r`));
    const after = marker();
    serial.send(Buffer.from(`echo ${after}-$((6*7))\r`));
    await expect.poll(() => serialText().slice(before), { timeout: 15_000, interval: 200 }).toContain(`${after}-42`);
    expect(serialText()).not.toContain(`${ignored}-42`);
    expect(serial.ws.readyState).toBe(serial.ws.OPEN);

    // The typist leaves: the watchers' copy ends with a reason the page shows.
    serial.ws.close(1000);
    for (const v of [viewer, linkViewer]) {
      const closed = await v.closed;
      expect(closed.code).toBe(proxy.CLOSE.refused);
      expect(closed.reason).toBe(proxy.SERIAL_WATCH_ENDED);
    }
  }, 90_000);

  it("serial: while a client outside virtdeck holds the console, a view-only open is refused with a clear reason and the holder keeps it", async () => {
    // Nobody of virtdeck's holds it now.
    if (serial.ws.readyState === serial.ws.OPEN) serial.ws.close(1000);
    await serial.closed;
    await expect.poll(() => s.m.tickets.consoleHolders(s.hostId, guest.uuid), { timeout: 10_000 }).toEqual([]);
    let out = "";
    holder = spawn("script", ["-qec", `virsh -c ${URI} console ${guest.uuid}`, "/dev/null"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    holder.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    await expect.poll(() => out, { timeout: 10_000, interval: 100 }).toMatch(/Connected to domain/);
    holder.stdin!.write("\r");
    await expect.poll(() => out, { timeout: 10_000, interval: 100 }).toMatch(/tiny:[^\r\n]*# /);

    for (const open of [
      async () => consoleOpen(s.port, (await mint("serial", "view", helpToken)).ticket, helpToken),
      async () => consoleOpen(s.port, await shareTicket("serial"), null),
    ]) {
      const viewer = await open();
      const closed = await Promise.race([
        viewer.closed,
        new Promise<{ code: number; reason: string }>((r) =>
          setTimeout(() => r({ code: -1, reason: "still open: it took the console" }), 10_000),
        ),
      ]);
      viewer.ws.close(1000);
      expect(closed.code).toBe(proxy.CLOSE.refused);
      expect(closed.reason).toBe(proxy.SERIAL_IN_USE);
    }
    // The holder was not detached: it is still attached and its shell still answers.
    expect(holder.exitCode).toBeNull();
    expect(serialConsoleProbe(guest.uuid)).toMatch(/Active console session exists/);
    const m = marker();
    holder.stdin!.write(`echo ${m}-$((6*7))\r`);
    await expect.poll(() => out, { timeout: 15_000, interval: 200 }).toContain(`${m}-42`);
    holder.kill();
  }, 60_000);
});
