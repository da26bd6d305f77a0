import "server-only";
import { randomUUID } from "node:crypto";
import type { Duplex } from "node:stream";
import type { WebSocket, RawData } from "ws";
import { env } from "@/lib/env";
import type { Caller } from "@/lib/authz/caller";
import type { ConsumedTicket } from "@/lib/consoles/tickets";
import { RfbViewOnlyFilter } from "@/lib/consoles/rfb-view-only";
import { CLOSE, FIRST_BYTE_MS, HOST_LOST } from "./close-codes";
import { backendEndReason, backendOpen, type Backend } from "./console-backend";
import {
  consoleStateInitial,
  consoleStep,
  type ConsoleEffect,
  type ConsoleEvent,
  type ConsoleState,
} from "./console-state";
import { consoleLiveAdd, consoleRecordEnd, consoleRecordFailure, consoleRecordStart, type Live } from "./console-live";

/** Per-session memory bound: past this, reading from the guest pauses until the browser catches up. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;
/** Input messages kept before the backend is ready, at most (besides the byte budget). */
const EARLY_MESSAGES = 256;

type Input = [RawData, boolean];

function inputBytes(data: RawData): number {
  return Array.isArray(data)
    ? data.reduce((n, b) => n + b.length, 0)
    : data instanceof ArrayBuffer
      ? data.byteLength
      : data.length;
}

function errorText(err: unknown, fallback: string): string {
  return err instanceof Error ? err.message : fallback;
}

/**
 * One console session: drives the state machine of lib/consoles/console-state.ts with what happens
 * on the websocket, the backend and the timers, and carries out the effects it returns. Holds no
 * state flags of its own: "where are we" is `state` only.
 */
class ConsoleSession {
  private state: ConsoleState = consoleStateInitial();
  private readonly limits = { earlyBytes: env().VIRTDECK_CONSOLE_EARLY_INPUT_BYTES, earlyMessages: EARLY_MESSAGES };
  private readonly early: Input[] = [];
  private readonly id = randomUUID();
  private readonly filter: RfbViewOnlyFilter | null;
  private silence?: NodeJS.Timeout;
  private backend?: Backend;
  private live?: Live;
  private release = () => {};

  constructor(
    private readonly ws: WebSocket,
    private readonly caller: Caller,
    private readonly ticket: ConsumedTicket,
  ) {
    this.filter = ticket.kind === "vnc" && ticket.viewOnly ? new RfbViewOnlyFilter() : null;
  }

  private dispatch(event: ConsoleEvent, input?: Input): void {
    const { state, effects } = consoleStep(this.state, event, this.limits);
    this.state = state;
    for (const effect of effects) this.apply(effect, input);
  }

  private apply(effect: ConsoleEffect, input?: Input): void {
    switch (effect.kind) {
      case "keepInput":
        this.early.push(input!);
        return;
      case "dropInput":
        return;
      case "passInput":
        return this.fromBrowser(input![0], input![1]);
      case "closeSocket":
        this.early.length = 0;
        return this.ws.close(effect.code, effect.reason);
      case "openFailed":
        return void this.openFailed(effect.code, effect.reason);
      case "flushInput":
        for (const [data, isBinary] of this.early.splice(0)) this.fromBrowser(data, isBinary);
        return;
      case "askWhy":
        return void backendEndReason(this.backend!, this.ticket, this.live!.bytesOut)
          .catch((): [number, string] => [CLOSE.hostLost, HOST_LOST])
          .then(([code, reason]) => this.dispatch({ type: "close", code, reason }));
      case "teardown":
        return this.teardown(effect.code, effect.reason);
    }
  }

  /** Opens the backend, records the session, pipes both ways. Browser events are listened to before the first await. */
  async run(): Promise<void> {
    this.ws.on("message", (data: RawData, isBinary: boolean) =>
      this.dispatch({ type: "input", bytes: inputBytes(data) }, [data, isBinary]),
    );
    this.ws.on("close", () => this.dispatch({ type: "browserClosed" }));
    this.ws.on("error", () => this.dispatch({ type: "browserClosed", reason: "browser connection failed" }));
    // The guest must answer within FIRST_BYTE_MS of the websocket opening, SSH channel open included:
    // QEMU listens with a backlog of 1, so a burst of connects can leave one waiting on SYN retries.
    this.silence = setTimeout(() => this.dispatch({ type: "silence" }), FIRST_BYTE_MS);
    try {
      this.backend = await backendOpen(this.ticket);
    } catch (err) {
      const code = (err as { closeCode?: number }).closeCode ?? CLOSE.hostLost;
      return this.dispatch({
        type: "backendFailed",
        code,
        reason: errorText(err, "console unavailable").slice(0, 120),
      });
    }
    this.dispatch({ type: "backendOpened" });
    if (this.state.name !== "starting") return;
    const { vmName, hostName } = this.backend;
    this.live = {
      id: this.id,
      caller: this.caller,
      ticket: this.ticket,
      vmName,
      hostName,
      ip: this.caller.ip,
      bytesIn: 0,
      bytesOut: 0,
      startedAt: Date.now(),
      close: (code, reason) => this.dispatch({ type: "close", code, reason }),
    };
    try {
      await consoleRecordStart(this.live);
    } catch (err) {
      console.error("console session not recorded", err);
      return this.dispatch({ type: "close", code: CLOSE.refused, reason: "the console could not be recorded" });
    }
    if (this.state.name !== "starting") return;
    this.release = consoleLiveAdd(this.live);
    this.pipe(this.backend);
    this.dispatch({ type: "ready" });
  }

  /** Wires the guest's stream to the websocket (the state machine decides when input flows). */
  private pipe(backend: Backend): void {
    const { stream } = backend;
    // A serial console may rightly stay quiet (an idle or paused guest): only its channel had to open in time.
    if (this.ticket.kind === "serial") clearTimeout(this.silence);
    stream.on("data", (chunk: Buffer) => this.fromGuest(stream, chunk));
    backend.share?.();
    stream.on("end", () => this.dispatch({ type: "guestEnded" }));
    stream.on("close", () => this.dispatch({ type: "guestEnded" }));
    stream.on("error", () => this.dispatch({ type: "close", code: CLOSE.hostLost, reason: HOST_LOST }));
  }

  /** Guest -> browser, pausing the guest side while the browser is behind. */
  private fromGuest(stream: Duplex, chunk: Buffer): void {
    const live = this.live!;
    if (live.bytesOut === 0) clearTimeout(this.silence);
    if (this.filter) {
      // The server's answers say how the client's next bytes are to be read: some may pass now.
      try {
        const released = this.filter.fromServer(chunk);
        if (released.length) this.toGuest(released);
      } catch (err) {
        return this.dispatch({ type: "close", code: CLOSE.revoked, reason: errorText(err, "protocol error") });
      }
    }
    live.bytesOut += chunk.length;
    this.ws.send(chunk, { binary: true }, () => {
      if (stream.isPaused() && this.ws.bufferedAmount < LOW_WATER) stream.resume();
    });
    if (this.ws.bufferedAmount > HIGH_WATER) stream.pause();
  }

  /** Browser -> guest: control frames (serial resize), view-only rules, the VNC view-only filter. */
  private fromBrowser(data: RawData, isBinary: boolean): void {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (!isBinary) return this.control(buf);
    if (this.ticket.viewOnly && this.ticket.kind !== "vnc") return;
    let out = buf;
    if (this.filter) {
      try {
        out = this.filter.fromClient(buf);
      } catch (err) {
        return this.dispatch({ type: "close", code: CLOSE.revoked, reason: errorText(err, "protocol error") });
      }
    }
    if (out.length) this.toGuest(out);
  }

  /** A text frame: a serial resize request. A view-only serial viewer may be watching someone else's pty: it does not resize it. */
  private control(buf: Buffer): void {
    if (this.ticket.kind !== "serial" || this.ticket.viewOnly) return;
    try {
      const msg = JSON.parse(buf.toString("utf8")) as { type?: string; cols?: number; rows?: number };
      if (msg.type === "resize" && Number.isInteger(msg.cols) && Number.isInteger(msg.rows)) {
        this.backend?.resize?.(Math.min(500, Math.max(1, msg.cols!)), Math.min(300, Math.max(1, msg.rows!)));
      }
    } catch {
      /* ignore malformed control frames */
    }
  }

  /** Writes to the guest, pausing the websocket while the SSH channel is full. */
  private toGuest(out: Buffer): void {
    if (this.state.name === "closed" || !this.backend) return;
    const { stream } = this.backend;
    this.live!.bytesIn += out.length;
    if (!stream.write(out)) {
      const socket = (this.ws as unknown as { _socket?: Duplex })._socket;
      socket?.pause();
      stream.once("drain", () => socket?.resume());
    }
  }

  private async openFailed(code: number, reason: string): Promise<void> {
    clearTimeout(this.silence);
    this.backend?.stream.destroy();
    await consoleRecordFailure({ caller: this.caller, ticket: this.ticket, ip: this.caller.ip }, reason).catch((err) =>
      console.error("console failure not recorded", err),
    );
    this.ws.close(code, code === CLOSE.hostLost ? HOST_LOST : reason.slice(0, 120));
  }

  private teardown(code: number, reason: string): void {
    clearTimeout(this.silence);
    this.release();
    this.backend?.stream.destroy();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING)
      this.ws.close(code, reason.slice(0, 120));
    if (this.live) void consoleRecordEnd(this.live, reason);
  }
}

/** Runs one console session on an accepted websocket (or CONNECT tunnel shaped like one) until it ends. */
export function consoleSessionRun(ws: WebSocket, caller: Caller, ticket: ConsumedTicket): Promise<void> {
  return new ConsoleSession(ws, caller, ticket).run();
}
