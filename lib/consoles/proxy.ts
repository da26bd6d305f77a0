import "server-only";
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket, type RawData } from "ws";
import { WS_MESSAGE_MAX_BYTES } from "@/lib/ws/limits";
import { db } from "@/lib/db/client";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, authorizeMany, principalFromSession, type Principal } from "@/lib/authz";
import { callerOf, type Caller } from "@/lib/authz/caller";
import { SESSION_COOKIE, cookieName, cookieSecure, sessionLookup, type ActiveSession } from "@/lib/auth/session";
import { clientAddress, requestIsHttps } from "@/lib/http/client-address";
import { virshArgv, virshCommand } from "@/lib/hosts/virsh-command";
import { assertVirshOk } from "@/lib/hosts/virsh-session";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { consoleDomainState } from "@/lib/consoles/domain";
import { fleet } from "@/lib/fleet/runtime";
import { consoleExtrasOrphaned, consoleLiveCount, consoleTicketConsume, consoleTicketConsumeConnect, QEMU_VNC_VIEWERS, type ConsumedTicket } from "@/lib/consoles/tickets";
import { env } from "@/lib/env";
import { vvTicketOf } from "@/lib/consoles/vv-file";
import { RfbViewOnlyFilter } from "@/lib/consoles/rfb-view-only";
import { shareLinksRecheck, shareTicketAdmit } from "@/lib/consoles/share-links";
import { serialShareOffer, serialShareTap } from "@/lib/consoles/serial-share";

/**
 * The console websocket (/ws/console): authenticates the session cookie and a
 * one-time ticket before upgrading, then pipes bytes between the browser and
 * the guest's VNC/SPICE server (through the host's SSH connection, forwardOut
 * to the host's loopback) or its serial console (`virsh console` on an SSH pty).
 * No VNC/SPICE port is ever exposed beyond the host.
 */
export const CLOSE = {
  normal: 1000,
  ticket: 4001,
  revoked: 4003,
  notFound: 4004,
  takenOver: 4011,
  hostLost: 4012,
  guestClosed: 4013,
  shutdown: 4014,
  /** The VM still runs but its display/console ended the connection (e.g. QEMU's 32-viewer limit). */
  refused: 4015,
  /** Nothing came from the guest's display/console within FIRST_BYTE_MS of the websocket opening. */
  noAnswer: 4016,
  /** The client sent more than VIRTDECK_CONSOLE_EARLY_INPUT_BYTES before the guest's side was connected. */
  earlyInput: 4017,
} as const;

/** From websocket open to the first byte of the guest's display (SSH channel open included); serial: to the channel open. */
export const FIRST_BYTE_MS = 10_000;

/** Per-session memory bound: past this, reading from the guest pauses until the browser catches up. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
const CHECK_MS = 1_000;
const PERSIST_MS = 5_000;

interface Live {
  id: string;
  ws: WebSocket;
  caller: Caller;
  ticket: ConsumedTicket;
  vmName: string;
  hostName: string;
  ip: string;
  bytesIn: number;
  bytesOut: number;
  startedAt: number;
  close: (code: number, reason: string) => void;
}

interface ProxyState {
  wss: WebSocketServer;
  live: Map<string, Live>;
  timer?: NodeJS.Timeout;
  lastPersist: number;
}

const KEY = Symbol.for("virtdeck.consoles");

function state(): ProxyState {
  const g = globalThis as unknown as { [KEY]?: ProxyState };
  if (!g[KEY]) g[KEY] = { wss: new WebSocketServer({ noServer: true, maxPayload: WS_MESSAGE_MAX_BYTES }), live: new Map(), lastPersist: 0 };
  return g[KEY];
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

function headersOf(req: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") h.set(k, v);
  return h;
}

/** Upgrade handler for /ws/console; everything is checked before the websocket exists. */
export function consoleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  void (async () => {
    try {
      const origin = req.headers.origin;
      if (origin) {
        let originHost = "";
        try {
          originHost = new URL(origin).host;
        } catch {
          /* invalid origin */
        }
        if (originHost !== req.headers.host) return refuse(socket, 403, "Cross-site console refused");
      }
      // A share link's ticket needs no cookie: the link is the credential (lib/consoles/share-links.ts).
      const shared = await shareTicketAdmit(new URL(req.url ?? "/", "http://x").searchParams.get("ticket"), clientAddress(headersOf(req)));
      if (shared && !shared.ok) return refuse(socket, 403, `Console refused: ${shared.reason}`);
      if (shared?.ok) return state().wss.handleUpgrade(req, socket, head, (ws) => void start(ws, shared.caller, shared.ticket));
      const session = await sessionLookup(cookie(req, cookieName(SESSION_COOKIE, cookieSecure(requestIsHttps(headersOf(req))))));
      if (!session) return refuse(socket, 401, "Sign in first");
      const ticketParam = new URL(req.url ?? "/", "http://x").searchParams.get("ticket");
      const ip = clientAddress(headersOf(req));
      const caller = callerOf(principalFromSession(session), ip);
      const ticket = await consoleTicketConsume(ticketParam, caller.principal);
      if (!ticket) {
        await auditRecord({ actor: { id: session.user.id, name: session.user.username }, action: "console.open", outcome: "denied", ip, details: { reason: "invalid_ticket" } });
        return refuse(socket, 403, "Console ticket invalid, used or expired");
      }
      if (!(await consolePermitted(caller.principal, ticket))) return refuse(socket, 403, "Permission denied");
      state().wss.handleUpgrade(req, socket, head, (ws) => void start(ws, caller, ticket));
    } catch (err) {
      console.error("console upgrade failed", err);
      refuse(socket, 500, "Console failed");
    }
  })();
}

/**
 * HTTP CONNECT on the app's own port, from a native SPICE viewer (remote-viewer) that opened a
 * .vv file with `proxy=<app origin>` and `host=vd-<ticket>`. The ticket alone names the VM (the
 * target is never used as an address: this is no open proxy); it must be a .vv ticket, and its
 * web session must still be live with the console privilege. Then the tunnel carries the raw
 * SPICE stream to the guest through the host's SSH connection, as a console session like any other.
 */
export function consoleConnect(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  socket.on("error", () => {});
  void (async () => {
    try {
      const target = /^([^:\s]+):\d{1,5}$/.exec(req.url ?? "");
      const raw = vvTicketOf(target?.[1] ?? "");
      if (!raw) return refuse(socket, 403, "Not a virtdeck console ticket");
      const ticket = await consoleTicketConsumeConnect(raw);
      const ip = clientAddress(headersOf(req));
      if (!ticket) {
        await auditRecord({ actor: null, action: "console.open", outcome: "denied", ip, details: { reason: "invalid_ticket", transport: "http_connect" } });
        return refuse(socket, 403, "Console ticket invalid, used or expired");
      }
      const session = await sessionById(ticket.sessionId);
      if (!session || session.user.id !== ticket.userId) return refuse(socket, 403, "The session that downloaded this file has ended");
      const caller = callerOf(principalFromSession(session), ip);
      if (!(await consolePermitted(caller.principal, ticket))) return refuse(socket, 403, "Permission denied");
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      const peer = new TunnelPeer(socket);
      void start(peer as unknown as WebSocket, caller, ticket);
      if (head.length) peer.emit("message", head, true);
    } catch (err) {
      console.error("console CONNECT failed", err);
      refuse(socket, 500, "Console failed");
    }
  })();
}

/** The live web session a ticket is bound to (the viewer has no cookie: the ticket names it). */
async function sessionById(id: string): Promise<ActiveSession | null> {
  const row = await db().session.findUnique({
    where: { id },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabled: true } } },
  });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now() || row.user.disabled) return null;
  const { disabled: _disabled, ...user } = row.user;
  return { id: row.id, csrfToken: row.csrfToken, expiresAt: row.expiresAt, user };
}

/**
 * A CONNECT tunnel's socket, shaped like the part of a `ws` WebSocket that start() drives:
 * "message" events carry raw bytes (always binary), send() writes, close() ends the tunnel.
 */
class TunnelPeer extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readyState = 1;
  constructor(readonly _socket: Duplex) {
    super();
    _socket.on("data", (d: Buffer) => this.emit("message", d, true));
    _socket.on("error", (e) => this.emit("error", e));
    _socket.on("close", () => {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.emit("close", 1000, Buffer.alloc(0));
    });
  }
  get bufferedAmount(): number {
    return this._socket.writableLength;
  }
  send(data: Buffer, _opts: unknown, cb?: (err?: Error | null) => void): void {
    if (this.readyState !== 1) return cb?.(new Error("tunnel closed"));
    this._socket.write(data, cb);
  }
  close(): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    this._socket.end();
    setTimeout(() => this._socket.destroy(), 1_000).unref();
  }
}

interface Backend {
  stream: Duplex;
  host: HostView;
  vmName: string;
  hostName: string;
  /** True once the host's SSH connection is gone (vs. the guest closing its end). */
  hostGone: () => boolean;
  resize?: (cols: number, rows: number) => void;
  /** Serial: offers the stream to view-only viewers of the VM, once its own data listener is attached. */
  share?: () => void;
  /** Serial, view-only: a copy of a console another session of this instance holds. */
  watching?: boolean;
}

async function backendOpen(t: ConsumedTicket): Promise<Backend> {
  const host = await hostGet(t.hostId);
  const transport = await fleet().pool.get(host.id);
  const dumpxml = virshCommand({ command: "dumpxml", args: [{ domain: t.vmUuid }] });
  const xml = assertVirshOk(dumpxml, await fleet().sessions.get(host.id, host.libvirtUri).run(dumpxml)).stdout;
  const dom = parseDomainXml(xml);
  if (t.kind === "serial") {
    // View-only never forces (it would detach the person typing): it watches the stream this
    // instance holds for the VM, else opens the console without --force (lib/consoles/serial-share.ts).
    const tap = t.viewOnly ? serialShareTap(host.id, t.vmUuid) : null;
    if (tap) return { stream: tap.stream, host, vmName: dom.name, hostName: host.name, hostGone: tap.hostGone, watching: true };
    // Session channels count against sshd's MaxSessions: serial consoles live on connections of their own.
    const { stream, transport: conn } = await fleet().streams.openStream(
      host.id,
      virshArgv({ uri: host.libvirtUri, command: "console", args: [{ domain: t.vmUuid }, ...(t.viewOnly ? [] : [{ flag: "--force" }])] }),
      { pty: true },
    );
    return {
      stream,
      host,
      vmName: dom.name,
      hostName: host.name,
      hostGone: () => conn.closed,
      resize: (cols, rows) => stream.setWindow?.(rows, cols, 0, 0),
      share: () => serialShareOffer(host.id, t.vmUuid, stream, () => conn.closed),
    };
  }
  const g = dom.graphics.find((x) => x.type === t.kind);
  if (!g?.port || g.port <= 0) throw Object.assign(new Error(`${dom.name} has no active ${t.kind} display`), { closeCode: CLOSE.notFound });
  // Listening on a wildcard still answers on loopback; a specific address must be used as is.
  const listen = g.listen ?? g.listens.find((l) => l.address)?.address;
  const address = !listen || listen === "0.0.0.0" || listen === "::" ? "127.0.0.1" : listen;
  const stream = await transport.forwardOut(address, g.port);
  return { stream, host, vmName: dom.name, hostName: host.name, hostGone: () => transport.closed };
}

async function start(ws: WebSocket, caller: Caller, ticket: ConsumedTicket): Promise<void> {
  const { ip } = caller;
  const id = randomUUID();
  // The browser may leave while the backend opens: remember it, so nothing is left running.
  let browserGone = false;
  const onEarlyClose = () => (browserGone = true);
  ws.once("close", onEarlyClose);
  // SPICE clients (and fast typists on serial) speak first: keep what arrives before the backend is ready.
  // Held in memory until then, so bounded in bytes (and in messages, for their overhead).
  const early: [RawData, boolean][] = [];
  const earlyMax = env().VIRTDECK_CONSOLE_EARLY_INPUT_BYTES;
  let earlyBytes = 0;
  let overflow = "";
  const onEarlyMessage = (data: RawData, isBinary: boolean) => {
    if (overflow) return;
    earlyBytes += Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data instanceof ArrayBuffer ? data.byteLength : data.length;
    if (earlyBytes > earlyMax || early.length >= 256) {
      early.length = 0;
      overflow = `more than ${earlyMax} bytes of input before the console was ready`;
      ws.close(CLOSE.earlyInput, overflow);
      return;
    }
    early.push([data, isBinary]);
  };
  ws.on("message", onEarlyMessage);
  // The guest must answer within FIRST_BYTE_MS of the websocket opening, SSH channel open included:
  // QEMU listens with a backlog of 1, so a burst of connects can leave one waiting on SYN retries.
  let silent = false;
  let onSilent = () => ws.close(CLOSE.noAnswer, NO_ANSWER);
  const silence = setTimeout(() => {
    silent = true;
    onSilent();
  }, FIRST_BYTE_MS);
  let backend: Backend;
  try {
    backend = await backendOpen(ticket);
    if (silent || overflow) {
      backend.stream.destroy();
      throw Object.assign(new Error(overflow || NO_ANSWER), { closeCode: overflow ? CLOSE.earlyInput : CLOSE.noAnswer });
    }
  } catch (err) {
    clearTimeout(silence);
    const code = (err as { closeCode?: number }).closeCode ?? CLOSE.hostLost;
    const reason = err instanceof Error ? err.message.slice(0, 120) : "console unavailable";
    await auditRecord({ actor: caller.actor, action: ticket.shareLinkId ? "share.open" : "console.open", outcome: "failure", target: { type: "vm", id: `${ticket.hostId}/${ticket.vmUuid}` }, ip, details: { kind: ticket.kind, error: reason } });
    ws.close(code, code === CLOSE.hostLost ? "host connection lost" : reason);
    return;
  }
  const { stream } = backend;
  const filter = ticket.kind === "vnc" && ticket.viewOnly ? new RfbViewOnlyFilter() : null;
  let closed = false;

  const live: Live = {
    id,
    ws,
    caller,
    ticket,
    vmName: backend.vmName,
    hostName: backend.hostName,
    ip,
    bytesIn: 0,
    bytesOut: 0,
    startedAt: Date.now(),
    close: (code, reason) => finish(code, reason),
  };

  function finish(code: number, reason: string) {
    if (closed) return;
    closed = true;
    clearTimeout(silence);
    state().live.delete(id);
    stream.destroy();
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(code, reason.slice(0, 120));
    void persistEnd(live, reason);
  }

  await db().consoleSession.create({
    data: {
      id,
      userId: caller.actor.id,
      username: caller.actor.name,
      sessionId: caller.principal.sessionId ?? "",
      hostId: ticket.hostId,
      vmUuid: ticket.vmUuid,
      vmName: backend.vmName,
      kind: ticket.kind,
      viewOnly: ticket.viewOnly,
      shareLinkId: ticket.shareLinkId ?? null,
      ticketId: ticket.ticketId ?? null,
      mainTicketId: ticket.mainTicketId ?? null,
    },
  });
  if (ticket.takeover) {
    await db().consoleSession.updateMany({
      // Watchers (view-only) may stay: only interactive holders are displaced.
      where: { hostId: ticket.hostId, vmUuid: ticket.vmUuid, endedAt: null, viewOnly: false, id: { not: id } },
      data: { closeRequest: `taken over by ${caller.actor.name}` },
    });
  }
  await auditRecord({
    actor: caller.actor,
    action: ticket.shareLinkId ? "share.open" : "console.open",
    target: { type: "vm", id: `${ticket.hostId}/${ticket.vmUuid}`, name: backend.vmName },
    ip,
    details: { kind: ticket.kind, viewOnly: ticket.viewOnly, takeover: ticket.takeover, host: backend.hostName, session: id, ...(ticket.shareLinkId ? { shareLink: ticket.shareLinkId } : {}) },
  });
  state().live.set(id, live);
  ensureChecker();

  onSilent = () => finish(CLOSE.noAnswer, NO_ANSWER);
  // A serial console may rightly stay quiet (an idle or paused guest): only its channel had to open in time.
  if (ticket.kind === "serial") clearTimeout(silence);
  // Guest -> browser, pausing the guest side while the browser is behind.
  stream.on("data", (chunk: Buffer) => {
    if (live.bytesOut === 0) clearTimeout(silence);
    if (filter) {
      // The server's answers say how the client's next bytes are to be read: some may pass now.
      try {
        const released = filter.fromServer(chunk);
        if (released.length) toGuest(released);
      } catch (err) {
        return finish(CLOSE.revoked, err instanceof Error ? err.message : "protocol error");
      }
    }
    live.bytesOut += chunk.length;
    ws.send(chunk, { binary: true }, () => {
      if (stream.isPaused() && ws.bufferedAmount < LOW_WATER) stream.resume();
    });
    if (ws.bufferedAmount > HIGH_WATER) stream.pause();
  });
  backend.share?.();
  // Browser -> guest, pausing the websocket while the SSH channel is full.
  const onMessage = (data: RawData, isBinary: boolean) => {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary) {
      // A view-only serial viewer may be watching someone else's pty: it does not resize it.
      if (ticket.kind === "serial" && !ticket.viewOnly) {
        try {
          const msg = JSON.parse(buf.toString("utf8")) as { type?: string; cols?: number; rows?: number };
          if (msg.type === "resize" && Number.isInteger(msg.cols) && Number.isInteger(msg.rows)) {
            backend.resize?.(Math.min(500, Math.max(1, msg.cols!)), Math.min(300, Math.max(1, msg.rows!)));
          }
        } catch {
          /* ignore malformed control frames */
        }
      }
      return;
    }
    if (ticket.viewOnly && ticket.kind !== "vnc") return;
    let out = buf;
    if (filter) {
      try {
        out = filter.fromClient(buf);
      } catch (err) {
        return finish(CLOSE.revoked, err instanceof Error ? err.message : "protocol error");
      }
    }
    if (out.length) toGuest(out);
  };
  function toGuest(out: Buffer) {
    if (closed) return;
    live.bytesIn += out.length;
    if (!stream.write(out)) {
      (ws as unknown as { _socket?: Duplex })._socket?.pause();
      stream.once("drain", () => (ws as unknown as { _socket?: Duplex })._socket?.resume());
    }
  }
  ws.off("message", onEarlyMessage);
  ws.on("message", onMessage);
  for (const [data, isBinary] of early.splice(0)) onMessage(data, isBinary);
  // The channel ends when SSH drops (the transport tells), when the guest goes away, and when QEMU
  // turns the viewer away while the guest runs on (libvirt tells those two apart).
  let ending = false;
  const ended = () => {
    if (ending || closed) return;
    ending = true;
    void endReason(backend, live).then(([code, reason]) => finish(code, reason));
  };
  stream.on("end", ended);
  stream.on("close", ended);
  stream.on("error", () => finish(CLOSE.hostLost, "host connection lost"));
  ws.off("close", onEarlyClose);
  ws.on("close", () => finish(CLOSE.normal, "closed by the browser"));
  ws.on("error", () => finish(CLOSE.normal, "browser connection failed"));
  if (browserGone) finish(CLOSE.normal, "closed by the browser");
}

const NO_ANSWER = "the VM's console did not answer";
export const SERIAL_IN_USE = "the serial console is in use by another client: a view-only viewer never takes it over";
export const SERIAL_WATCH_ENDED = "the serial console session this view watched has ended";
/**
 * Fewest bytes a VNC server sends up to and including ServerInit: version (12), one security type
 * (2), SecurityResult (4), ServerInit without its name (24). Less means the viewer never got in.
 */
const RFB_BEFORE_SERVER_INIT = 42;
/** Lets libvirt notice a QEMU that exited before asking it whether the guest still runs. */
const STATE_SETTLE_MS = 250;

/** Why the guest side of a console ended: close code and reason. */
async function endReason(backend: Backend, live: Live): Promise<[number, string]> {
  if (backend.hostGone()) return [CLOSE.hostLost, "host connection lost"];
  await new Promise((r) => setTimeout(r, STATE_SETTLE_MS));
  if (backend.hostGone()) return [CLOSE.hostLost, "host connection lost"];
  const state = await consoleDomainState(backend.host, live.ticket.vmUuid);
  const runs = state === "running" || state === "paused" || state === "blocked" || state === "pmsuspended";
  if (!runs) return [CLOSE.guestClosed, "the guest closed the console"];
  if (live.ticket.kind === "serial") {
    if (backend.watching) return [CLOSE.refused, SERIAL_WATCH_ENDED];
    // Opened without --force: libvirt refused it (or later gave it to someone who forced).
    if (live.ticket.viewOnly) return [CLOSE.refused, SERIAL_IN_USE];
    return [CLOSE.refused, "another client took the serial console"];
  }
  if (live.ticket.kind === "vnc") {
    // QEMU turns a viewer past its limit away after the security handshake, before ServerInit
    // (ui/vnc.c protocol_client_init); viewers outside virtdeck count too, so the bytes tell, not only our records.
    const viewers = live.bytesOut < RFB_BEFORE_SERVER_INIT ? Infinity : await consoleLiveCount(live.ticket.hostId, live.ticket.vmUuid, "vnc").catch(() => 0);
    // This session's own row is among them.
    if (viewers > QEMU_VNC_VIEWERS) return [CLOSE.refused, `the VM's display refused the viewer: QEMU allows ${QEMU_VNC_VIEWERS} viewers per display`];
  }
  return [CLOSE.refused, "the VM's display closed the connection"];
}

async function persistEnd(live: Live, reason: string): Promise<void> {
  try {
    await db().consoleSession.update({
      where: { id: live.id },
      data: { endedAt: new Date(), closeReason: reason.slice(0, 200), bytesIn: BigInt(live.bytesIn), bytesOut: BigInt(live.bytesOut) },
    });
    await auditRecord({
      actor: live.caller.actor,
      action: live.ticket.shareLinkId ? "share.close" : "console.close",
      target: { type: "vm", id: `${live.ticket.hostId}/${live.ticket.vmUuid}`, name: live.vmName },
      ip: live.ip,
      details: {
        kind: live.ticket.kind,
        reason,
        bytesIn: live.bytesIn,
        bytesOut: live.bytesOut,
        seconds: Math.round((Date.now() - live.startedAt) / 1000),
        session: live.id,
        ...(live.ticket.shareLinkId ? { shareLink: live.ticket.shareLinkId } : {}),
      },
    });
  } catch (err) {
    console.error("console session end not recorded", err);
  }
}

/** The console permission (lib/authz): vm.console on the ticket's VM, for the caller. */
async function consolePermitted(principal: Principal, ticket: ConsumedTicket): Promise<boolean> {
  return authorize(principal, "vm.console", { hostId: ticket.hostId, vmUuid: ticket.vmUuid });
}

/** Ids of the live sessions whose user still holds vm.console on their VM (grants re-read, batched per user). */
async function consolesStillPermitted(lives: Live[]): Promise<Set<string>> {
  const ok = await authorizeMany(
    lives.map((l) => ({ principal: l.caller.principal, privilege: "vm.console" as const, target: { hostId: l.ticket.hostId, vmUuid: l.ticket.vmUuid } })),
  );
  return new Set(lives.filter((_, i) => ok[i]).map((l) => l.id));
}

/**
 * Once a second, re-checks every live console of this instance against the
 * database: the web session still valid, the user enabled and still allowed,
 * no take-over requested. Also refreshes lastSeenAt so other instances know
 * the console is held.
 */
async function check(): Promise<void> {
  const s = state();
  const lives = [...s.live.values()];
  if (!lives.length) return;
  // Share-link consoles have no web session: their link and its creator's permission are re-read instead.
  const shared = lives.filter((l) => l.ticket.shareLinkId);
  const shareClose = await shareLinksRecheck(shared.map((l) => ({ id: l.id, shareLinkId: l.ticket.shareLinkId!, hostId: l.ticket.hostId, vmUuid: l.ticket.vmUuid })));
  const permitted = await consolesStillPermitted(lives.filter((l) => !l.ticket.shareLinkId));
  const orphaned = await consoleExtrasOrphaned(lives.map((l) => ({ id: l.id, mainTicketId: l.ticket.mainTicketId })));
  const sessionIds = [...new Set(lives.flatMap((l) => (l.caller.principal.sessionId ? [l.caller.principal.sessionId] : [])))];
  const [sessions, requests] = await Promise.all([
    db().session.findMany({
      where: { id: { in: sessionIds } },
      select: { id: true, revokedAt: true, expiresAt: true, user: { select: { disabled: true, role: true } } },
    }),
    db().consoleSession.findMany({ where: { id: { in: lives.map((l) => l.id) }, closeRequest: { not: null } }, select: { id: true, closeRequest: true } }),
  ]);
  const byId = new Map(sessions.map((x) => [x.id, x]));
  const requested = new Map(requests.map((r) => [r.id, r.closeRequest!]));
  const now = Date.now();
  for (const l of lives) {
    if (orphaned.has(l.id)) {
      l.close(CLOSE.normal, "the console's main channel closed");
      continue;
    }
    if (l.ticket.shareLinkId) {
      if (shareClose.has(l.id)) l.close(CLOSE.revoked, shareClose.get(l.id)!);
      else if (requested.has(l.id)) l.close(CLOSE.takenOver, requested.get(l.id)!);
      continue;
    }
    const sess = byId.get(l.caller.principal.sessionId ?? "");
    if (!sess || sess.revokedAt || sess.expiresAt.getTime() <= now) l.close(CLOSE.revoked, "signed out");
    else if (sess.user.disabled) l.close(CLOSE.revoked, "account disabled");
    else if (!permitted.has(l.id)) l.close(CLOSE.revoked, "permission revoked");
    else if (requested.has(l.id)) l.close(CLOSE.takenOver, requested.get(l.id)!);
  }
  if (now - s.lastPersist >= PERSIST_MS) {
    s.lastPersist = now;
    await Promise.all(
      [...s.live.values()].map((l) =>
        db().consoleSession.update({ where: { id: l.id }, data: { lastSeenAt: new Date(), bytesIn: BigInt(l.bytesIn), bytesOut: BigInt(l.bytesOut) } }),
      ),
    );
  }
}

function ensureChecker(): void {
  const s = state();
  if (s.timer) return;
  s.timer = setInterval(() => {
    if (s.live.size === 0) {
      clearInterval(s.timer);
      s.timer = undefined;
      return;
    }
    check().catch((err) => console.error("console check failed", err));
  }, CHECK_MS);
  s.timer.unref?.();
}

/** Closes every console of this instance (server shutdown). */
export function consolesCloseAll(): void {
  for (const l of [...state().live.values()]) l.close(CLOSE.shutdown, "server shutting down");
}
