import "server-only";
import type { IncomingMessage } from "node:http";
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { db } from "@/lib/db/client";
import { auditRecord } from "@/lib/audit/audit";
import { SESSION_COOKIE, cookieName, cookieSecure, sessionLookup, type ActiveSession } from "@/lib/auth/session";
import { principalFromSession } from "@/lib/authz";
import { callerOf } from "@/lib/authz/caller";
import { consoleTicketConsume, consoleTicketConsumeConnect } from "@/lib/consoles/tickets";
import { vvTicketOf } from "@/lib/consoles/vv-file";
import { shareTicketAdmit } from "@/lib/consoles/share-links";
import { consolePermitted } from "./console-live";
import { consoleSessionRun } from "./console-session";

/**
 * The console websocket (/ws/console): authenticates the session cookie and a
 * one-time ticket before upgrading, then pipes bytes between the browser and
 * the guest's VNC/SPICE server (through the host's SSH connection, forwardOut
 * to the host's loopback) or its serial console (`virsh console` on an SSH pty).
 * No VNC/SPICE port is ever exposed beyond the host.
 *
 * This file admits a console (upgrade, CONNECT); the session itself is the state machine of
 * console-state.ts run by console-session.ts, its backend is console-backend.ts, and the consoles
 * held open with their re-checks and records are console-live.ts.
 */
export { CLOSE, FIRST_BYTE_MS, SERIAL_IN_USE, SERIAL_WATCH_ENDED } from "./close-codes";
export { consolesCloseAll } from "./console-live";

/**
 * Largest websocket message the server accepts (ws `maxPayload`): console input is
 * keys, pointer events and clipboard text. A larger message closes the socket with
 * 1009 (message too big) before it is buffered.
 */
export const WS_MESSAGE_MAX_BYTES = 1024 * 1024;

/**
 * The client of an upgrade or CONNECT, as the delivery layer resolved it (lib/ws/upgrade-router.ts:
 * its address behind our trusted proxies, whether it used https).
 */
export interface ConsoleClient {
  ip: string;
  https: boolean;
}

const KEY = Symbol.for("virtdeck.consoles.wss");

/** The websocket server of this process (upgrades only: the HTTP server is the app's). */
function wss(): WebSocketServer {
  const g = globalThis as unknown as { [KEY]?: WebSocketServer };
  g[KEY] ??= new WebSocketServer({ noServer: true, maxPayload: WS_MESSAGE_MAX_BYTES });
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
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

/** Upgrade handler for /ws/console; everything is checked before the websocket exists. */
export function consoleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, client: ConsoleClient): void {
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
      const shared = await shareTicketAdmit(new URL(req.url ?? "/", "http://x").searchParams.get("ticket"), client.ip);
      if (shared && !shared.ok) return refuse(socket, 403, `Console refused: ${shared.reason}`);
      if (shared?.ok)
        return wss().handleUpgrade(req, socket, head, (ws) => void consoleSessionRun(ws, shared.caller, shared.ticket));
      const session = await sessionLookup(cookie(req, cookieName(SESSION_COOKIE, cookieSecure(client.https))));
      if (!session) return refuse(socket, 401, "Sign in first");
      const ticketParam = new URL(req.url ?? "/", "http://x").searchParams.get("ticket");
      const ip = client.ip;
      const caller = callerOf(principalFromSession(session), ip);
      const ticket = await consoleTicketConsume(ticketParam, caller.principal);
      if (!ticket) {
        await auditRecord({
          actor: caller.actor,
          action: "console.open",
          outcome: "denied",
          ip,
          details: { reason: "invalid_ticket" },
        });
        return refuse(socket, 403, "Console ticket invalid, used or expired");
      }
      if (!(await consolePermitted(caller.principal, ticket))) return refuse(socket, 403, "Permission denied");
      wss().handleUpgrade(req, socket, head, (ws) => void consoleSessionRun(ws, caller, ticket));
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
export function consoleConnect(req: IncomingMessage, socket: Duplex, head: Buffer, client: ConsoleClient): void {
  socket.on("error", () => {});
  void (async () => {
    try {
      const target = /^([^:\s]+):\d{1,5}$/.exec(req.url ?? "");
      const raw = vvTicketOf(target?.[1] ?? "");
      if (!raw) return refuse(socket, 403, "Not a virtdeck console ticket");
      const ticket = await consoleTicketConsumeConnect(raw);
      const ip = client.ip;
      if (!ticket) {
        await auditRecord({
          actor: null,
          action: "console.open",
          outcome: "denied",
          ip,
          details: { reason: "invalid_ticket", transport: "http_connect" },
        });
        return refuse(socket, 403, "Console ticket invalid, used or expired");
      }
      const session = await sessionById(ticket.sessionId);
      if (!session || session.user.id !== ticket.userId)
        return refuse(socket, 403, "The session that downloaded this file has ended");
      const caller = callerOf(principalFromSession(session), ip);
      if (!(await consolePermitted(caller.principal, ticket))) return refuse(socket, 403, "Permission denied");
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      const peer = new TunnelPeer(socket);
      void consoleSessionRun(peer as unknown as WebSocket, caller, ticket);
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
