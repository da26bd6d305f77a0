import { BROWSER_CLOSED, CLOSE, NO_ANSWER } from "./close-codes";

/**
 * The life of one console session (browser websocket <-> guest display or serial console) as an
 * explicit state machine: every state, every event and every transition is here, with no I/O. The
 * proxy (lib/consoles/console-session.ts) feeds it events and carries out the effects it returns.
 *
 *   opening  --backendOpened-->  starting  --ready-->  live  --guestEnded-->  ending
 *      |  (doomed: backendOpened closes)   |              |                     |
 *      +------------------------------------+--------------+---------------------+--close--> closed
 *
 * - opening: the backend (SSH channel to the guest) is being opened. Browser input is kept, bounded in
 *   bytes and messages; too much, or no answer within FIRST_BYTE_MS, dooms the session (the websocket
 *   closes at once, the backend is dropped as soon as it opens). The browser leaving is remembered.
 * - starting: the backend is open; the session's row and audit entry are being written.
 * - live: bytes flow both ways; the kept input is flushed first.
 * - ending: the guest side ended; libvirt is asked why (the close code depends on it).
 * - closed: final; every later event is ignored, so teardown runs once.
 */
export type ConsoleState =
  | {
      name: "opening" | "starting";
      earlyBytes: number;
      earlyCount: number;
      doomed: Closing | null;
      browserGone: boolean;
    }
  | { name: "live" }
  | { name: "ending" }
  | { name: "closed"; code: number; reason: string };

export interface Closing {
  code: number;
  reason: string;
}

export type ConsoleEvent =
  /** A message from the browser, of this many bytes. */
  | { type: "input"; bytes: number }
  /** FIRST_BYTE_MS passed without a first byte from the guest (the runtime disarms the timer once one came). */
  | { type: "silence" }
  | { type: "browserClosed"; reason?: string }
  | { type: "backendOpened" }
  | { type: "backendFailed"; code: number; reason: string }
  /** The session's row and audit entry are written. */
  | { type: "ready" }
  | { type: "guestEnded" }
  /** Ends the session now: revoked, taken over, host lost, protocol error, or the guest's end explained. */
  | { type: "close"; code: number; reason: string };

export type ConsoleEffect =
  /** Keep this input until the session is live. */
  | { kind: "keepInput" }
  /** Drop this input (the session is doomed or over). */
  | { kind: "dropInput" }
  /** Hand this input to the guest (view-only rules and the VNC filter apply there). */
  | { kind: "passInput" }
  /** Forget the kept input and close the websocket (the backend is not there yet). */
  | { kind: "closeSocket"; code: number; reason: string }
  /** The backend opened too late or failed: drop it if any, record the failure, close the websocket. */
  | { kind: "openFailed"; code: number; reason: string }
  /** Send the kept input to the guest, and pass new input straight through from now on. */
  | { kind: "flushInput" }
  /** Ask libvirt why the guest side ended, then send `close`. */
  | { kind: "askWhy" }
  /** Tear the live session down: stop watching, destroy the backend, close the websocket, record the end. */
  | { kind: "teardown"; code: number; reason: string };

export interface ConsoleLimits {
  earlyBytes: number;
  earlyMessages: number;
}

export interface Step {
  state: ConsoleState;
  effects: ConsoleEffect[];
}

export function consoleStateInitial(): ConsoleState {
  return { name: "opening", earlyBytes: 0, earlyCount: 0, doomed: null, browserGone: false };
}

type Pending = Extract<ConsoleState, { name: "opening" | "starting" }>;

function closed(code: number, reason: string, effect: ConsoleEffect): Step {
  return { state: { name: "closed", code, reason }, effects: [effect] };
}

/** Opening or starting: the backend is not piped yet. */
function stepPending(s: Pending, e: ConsoleEvent, limits: ConsoleLimits): Step {
  switch (e.type) {
    case "input": {
      if (s.doomed) return { state: s, effects: [{ kind: "dropInput" }] };
      const earlyBytes = s.earlyBytes + e.bytes;
      if (earlyBytes > limits.earlyBytes || s.earlyCount >= limits.earlyMessages) {
        const reason = `more than ${limits.earlyBytes} bytes of input before the console was ready`;
        const doomed = { code: CLOSE.earlyInput, reason };
        return { state: { ...s, earlyBytes, doomed }, effects: [{ kind: "closeSocket", ...doomed }] };
      }
      return { state: { ...s, earlyBytes, earlyCount: s.earlyCount + 1 }, effects: [{ kind: "keepInput" }] };
    }
    case "silence": {
      if (s.doomed) return { state: s, effects: [] };
      const doomed = { code: CLOSE.noAnswer, reason: NO_ANSWER };
      return { state: { ...s, doomed }, effects: [{ kind: "closeSocket", ...doomed }] };
    }
    case "browserClosed":
      return { state: { ...s, browserGone: true }, effects: [] };
    case "backendOpened":
      if (s.name !== "opening") return { state: s, effects: [] };
      if (s.doomed) return closed(s.doomed.code, s.doomed.reason, { kind: "openFailed", ...s.doomed });
      return { state: { ...s, name: "starting" }, effects: [] };
    case "backendFailed":
      return closed(e.code, e.reason, { kind: "openFailed", code: e.code, reason: e.reason });
    case "ready": {
      if (s.name !== "starting") return { state: s, effects: [] };
      const end = s.doomed ?? (s.browserGone ? { code: CLOSE.normal, reason: BROWSER_CLOSED } : null);
      if (end) return closed(end.code, end.reason, { kind: "teardown", ...end });
      return { state: { name: "live" }, effects: [{ kind: "flushInput" }] };
    }
    case "close":
      // Nothing to tear down before the session is recorded: the opening fails with this reason.
      return closed(e.code, e.reason, { kind: "openFailed", code: e.code, reason: e.reason });
    default:
      return { state: s, effects: [] };
  }
}

/** The one transition function: the next state and what to do, for a state and an event. */
export function consoleStep(s: ConsoleState, e: ConsoleEvent, limits: ConsoleLimits): Step {
  if (s.name === "closed") return { state: s, effects: e.type === "input" ? [{ kind: "dropInput" }] : [] };
  if (s.name === "opening" || s.name === "starting") return stepPending(s, e, limits);
  switch (e.type) {
    case "input":
      return { state: s, effects: [{ kind: "passInput" }] };
    case "silence":
      return s.name === "live"
        ? closed(CLOSE.noAnswer, NO_ANSWER, { kind: "teardown", code: CLOSE.noAnswer, reason: NO_ANSWER })
        : { state: s, effects: [] };
    case "guestEnded":
      return s.name === "live"
        ? { state: { name: "ending" }, effects: [{ kind: "askWhy" }] }
        : { state: s, effects: [] };
    case "browserClosed": {
      const reason = e.reason ?? BROWSER_CLOSED;
      return closed(CLOSE.normal, reason, { kind: "teardown", code: CLOSE.normal, reason });
    }
    case "close":
      return closed(e.code, e.reason, { kind: "teardown", code: e.code, reason: e.reason });
    default:
      return { state: s, effects: [] };
  }
}
