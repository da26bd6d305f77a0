import "server-only";
import { db } from "@/lib/db/client";
import { authorizeMany, type AuthzTarget, type Principal } from "@/lib/authz";
import type { Privilege } from "@/lib/authz/privileges";

/**
 * Re-checks long-lived callers (live-update streams; usable by consoles): a request is authorized
 * once when it arrives, but a stream outlives that answer. Every CALLER_RECHECK_MS one batch of
 * queries re-reads every watched caller (all streams of this instance together) and ends those whose
 * session ended (sign-out, expiry), whose API token was revoked or expired, whose user was disabled
 * or removed, or who lost the privilege they were let in with.
 */
export const CALLER_RECHECK_MS = 2_000;

export interface CallerCheck {
  principal: Principal;
  /** Also required, when given: this privilege (at `target`, else globally) for the principal, its limit applied. */
  privilege?: Privilege;
  target?: AuthzTarget;
}

/** Why each caller must stop now ("signed out", "API token revoked", ...), or null while it may go on. One query per kind. */
export async function callersRecheck(checks: readonly CallerCheck[]): Promise<(string | null)[]> {
  if (!checks.length) return [];
  const sessionIds = [...new Set(checks.flatMap((c) => (c.principal.kind === "session" && c.principal.sessionId ? [c.principal.sessionId] : [])))];
  const tokenIds = [...new Set(checks.flatMap((c) => (c.principal.kind === "token" && c.principal.tokenId ? [c.principal.tokenId] : [])))];
  const userIds = [...new Set(checks.map((c) => c.principal.user.id))];
  const [sessions, tokens, users] = await Promise.all([
    sessionIds.length ? db().session.findMany({ where: { id: { in: sessionIds } }, select: { id: true, userId: true, revokedAt: true, expiresAt: true } }) : [],
    tokenIds.length ? db().apiToken.findMany({ where: { id: { in: tokenIds } }, select: { id: true, userId: true, revokedAt: true, expiresAt: true } }) : [],
    db().user.findMany({ where: { id: { in: userIds } }, select: { id: true, disabled: true } }),
  ]);
  const sessionById = new Map(sessions.map((s) => [s.id, s]));
  const tokenById = new Map(tokens.map((t) => [t.id, t]));
  const userById = new Map(users.map((u) => [u.id, u]));
  const now = Date.now();
  const out = checks.map((c): string | null => {
    const p = c.principal;
    const user = userById.get(p.user.id);
    if (!user) return "account removed";
    if (user.disabled) return "account disabled";
    if (p.kind === "session") {
      const s = p.sessionId ? sessionById.get(p.sessionId) : undefined;
      if (!s || s.userId !== p.user.id || s.revokedAt || s.expiresAt.getTime() <= now) return "signed out";
    } else if (p.kind === "token") {
      const t = p.tokenId ? tokenById.get(p.tokenId) : undefined;
      if (!t || t.userId !== p.user.id || t.revokedAt) return "API token revoked";
      if (t.expiresAt.getTime() <= now) return "API token expired";
    }
    return null;
  });
  const asks = checks.map((c, i) => ({ c, i })).filter(({ c, i }) => c.privilege && out[i] === null);
  if (asks.length) {
    const ok = await authorizeMany(asks.map(({ c }) => ({ principal: c.principal, privilege: c.privilege!, target: c.target })));
    asks.forEach(({ i }, k) => {
      if (!ok[k]) out[i] = "permission revoked";
    });
  }
  return out;
}

interface Watch extends CallerCheck {
  end: (reason: string) => void;
}

interface WatchState {
  watches: Set<Watch>;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

const KEY = Symbol.for("virtdeck.callerWatch");

function state(): WatchState {
  const g = globalThis as unknown as { [KEY]?: WatchState };
  if (!g[KEY]) g[KEY] = { watches: new Set(), busy: false };
  return g[KEY];
}

async function tick(s: WatchState): Promise<void> {
  const watches = [...s.watches];
  const reasons = await callersRecheck(watches);
  watches.forEach((w, i) => {
    const reason = reasons[i];
    if (reason === null || !s.watches.has(w)) return;
    s.watches.delete(w);
    w.end(reason);
  });
}

/**
 * Calls `end(reason)` once, within about CALLER_RECHECK_MS, when the caller may no longer go on (see
 * callersRecheck). Returns the function that stops watching (call it when the caller leaves).
 */
export function callerWatch(check: CallerCheck, end: (reason: string) => void): () => void {
  const s = state();
  const w: Watch = { ...check, end };
  s.watches.add(w);
  if (!s.timer) {
    s.timer = setInterval(() => {
      if (s.watches.size === 0) {
        clearInterval(s.timer);
        s.timer = undefined;
        return;
      }
      if (s.busy) return;
      s.busy = true;
      tick(s)
        .catch((err) => console.error(`caller re-check failed: ${err instanceof Error ? err.message : err}`))
        .finally(() => (s.busy = false));
    }, CALLER_RECHECK_MS);
    s.timer.unref?.();
  }
  return () => {
    s.watches.delete(w);
  };
}
