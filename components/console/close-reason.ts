/**
 * Why a console ended, as a message key of the `console` namespace plus its
 * values. The codes are the server's (docs/api-console.md); 1006 is the
 * browser's "closed without a close frame" (refused upgrade, network loss).
 */
export interface CloseInfo {
  code: number | null;
  /** The server's human-readable reason, shown as is for codes we do not know. */
  reason: string;
}

export type ReasonMessage = { key: string; values?: Record<string, string | number> };

const KNOWN: Record<number, string> = {
  1000: "closed.normal",
  1001: "closed.normal",
  1005: "closed.normal",
  1006: "closed.abnormal",
  4001: "closed.ticket",
  4003: "closed.revoked",
  4004: "closed.notFound",
  4012: "closed.hostLost",
  4013: "closed.guestClosed",
  4014: "closed.shutdown",
  4015: "closed.refused",
  4016: "closed.noAnswer",
};

/**
 * The user who took the console over, from the 4011 reason. The contract only
 * promises a human-readable reason ("taken over by <username>" today), so this
 * is best effort: the word after a final "by", else nothing. Usernames have no
 * spaces but may end with a dot, so no punctuation is stripped.
 */
export function takeoverUser(reason: string): string | null {
  const m = /\bby\s+(\S+)$/i.exec(reason.trim());
  return m ? m[1] : null;
}

export function closeReasonMessage(info: CloseInfo): ReasonMessage {
  const { code, reason } = info;
  if (code === 4011) {
    const user = takeoverUser(reason);
    return user ? { key: "closed.takenOverBy", values: { user } } : { key: "closed.takenOver" };
  }
  if (code === 4015) {
    // The guest still runs; the reason says what turned the console away (best effort, like 4011).
    // A view-only serial viewer never takes the console over (server: SERIAL_IN_USE, SERIAL_WATCH_ENDED).
    if (/\bserial console\b.*\bin use\b/i.test(reason)) return { key: "closed.serialBusy" };
    if (/\bserial console\b.*\bwatched\b/i.test(reason)) return { key: "closed.serialWatchEnded" };
    if (/\bserial console\b/i.test(reason)) return { key: "closed.serialTaken" };
    if (/\bviewers?\b/i.test(reason)) return { key: "closed.viewerLimit" };
  }
  if (code !== null && KNOWN[code]) return { key: KNOWN[code] };
  if (reason.trim()) return { key: "closed.other", values: { reason: reason.trim() } };
  return code === null ? { key: "closed.unknown" } : { key: "closed.code", values: { code } };
}
