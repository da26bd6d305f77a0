import "server-only";
import { db } from "@/lib/db/client";
import { authorizeMany, userGrantFacts, type AuthzTarget, type GrantFact, type Principal } from "@/lib/authz";
import type { Privilege } from "@/lib/authz/privileges";

/**
 * The one re-check of long-lived callers (console websockets, the events and tasks streams): a
 * request is authorized once when it arrives, but a stream or console outlives that answer. Every
 * CALLER_RECHECK_MS one loop per process runs one batch of queries over every watched caller (all
 * consoles and streams of this instance together) and ends those whose session ended (sign-out,
 * expiry), whose API token was revoked or expired, whose user was disabled or removed, or who lost
 * the privilege they were let in with. The same tick then refreshes what the survivors may see
 * (events: visible VMs; tasks: everyone's or their own) and runs the consoles' own checks.
 *
 * One second: a console is interactive control of a VM, so it ends within a second of a sign-out or
 * revoked grant, as it always did; streams share the tick (three queries for all callers, plus one
 * privilege batch), which costs little because the loop only runs while something is watched.
 */
export const CALLER_RECHECK_MS = 1_000;

export interface CallerCheck {
  principal: Principal;
  /** Also required, when given: this privilege (at `target`, else globally) for the principal, its limit applied. */
  privilege?: Privilege;
  target?: AuthzTarget;
}

/** Why each caller must stop now ("signed out", "API token revoked", ...), or null while it may go on. One query per kind. */
export async function callersRecheck(
  checks: readonly CallerCheck[],
  reads: TickReads = tickReads(),
): Promise<(string | null)[]> {
  if (!checks.length) return [];
  const sessionIds = [
    ...new Set(
      checks.flatMap((c) => (c.principal.kind === "session" && c.principal.sessionId ? [c.principal.sessionId] : [])),
    ),
  ];
  const tokenIds = [
    ...new Set(
      checks.flatMap((c) => (c.principal.kind === "token" && c.principal.tokenId ? [c.principal.tokenId] : [])),
    ),
  ];
  const userIds = [...new Set(checks.map((c) => c.principal.user.id))];
  const [sessions, tokens, users] = await Promise.all([
    sessionIds.length
      ? db().session.findMany({
          where: { id: { in: sessionIds } },
          select: { id: true, userId: true, revokedAt: true, expiresAt: true },
        })
      : [],
    tokenIds.length
      ? db().apiToken.findMany({
          where: { id: { in: tokenIds } },
          select: { id: true, userId: true, revokedAt: true, expiresAt: true },
        })
      : [],
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
    const ok = await authorizeMany(
      asks.map(({ c }) => ({ principal: c.principal, privilege: c.privilege!, target: c.target })),
      undefined,
      reads.grants,
    );
    asks.forEach(({ i }, k) => {
      if (!ok[k]) out[i] = "permission revoked";
    });
  }
  return out;
}

/**
 * Reads shared by every refresh of one tick: each user's grants are read once per tick, however many
 * streams they hold open (read when the tick asks, so never older than the tick).
 */
export interface TickReads {
  grants: (userId: string) => Promise<GrantFact[]>;
}

function tickReads(): TickReads {
  const grants = new Map<string, Promise<GrantFact[]>>();
  return {
    grants: (userId) => {
      let p = grants.get(userId);
      if (!p) grants.set(userId, (p = userGrantFacts(userId)));
      return p;
    },
  };
}

/**
 * What a watched caller holds open: `end(reason)` closes it (once), `refresh` (optional) re-reads what
 * the caller may see, on every tick that finds the caller may still go on.
 */
export interface CallerWatchHooks {
  end: (reason: string) => void;
  refresh?: (reads: TickReads) => Promise<void>;
}

interface Watch extends CallerCheck, CallerWatchHooks {}

interface WatchState {
  watches: Set<Watch>;
  /** Batched checks of their own that a feature runs on the same tick (consoles: take-over, share links). */
  extras: Map<string, () => Promise<void>>;
  timer?: NodeJS.Timeout;
  busy: boolean;
}

const KEY = Symbol.for("virtdeck.callerWatch");

function state(): WatchState {
  const g = globalThis as unknown as { [KEY]?: WatchState };
  g[KEY] ??= { watches: new Set(), extras: new Map(), busy: false };
  return g[KEY];
}

function logFailure(what: string, err: unknown): void {
  console.error(`${what} failed: ${err instanceof Error ? err.message : err}`);
}

/** One tick: one batch of queries for every watched caller, then each survivor's refresh, then the extras. */
async function tick(s: WatchState): Promise<void> {
  const watches = [...s.watches];
  // One read of each user's grants serves the privilege re-check and every refresh of this tick.
  const reads = tickReads();
  const reasons = await callersRecheck(watches, reads);
  const going: Watch[] = [];
  watches.forEach((w, i) => {
    if (!s.watches.has(w)) return;
    const reason = reasons[i];
    if (reason === null) return void going.push(w);
    s.watches.delete(w);
    w.end(reason);
  });
  // Only the hooks that have a refresh; they run side by side, a failure is logged and never ends the tick.
  const refreshes = going.flatMap((w) => (w.refresh ? [w.refresh] : []));
  await Promise.all(refreshes.map((refresh) => refresh(reads).catch((err) => logFailure("live refresh", err))));
  for (const [name, run] of [...s.extras]) await run().catch((err) => logFailure(`${name} re-check`, err));
}

function ensureTimer(s: WatchState): void {
  if (s.timer) return;
  s.timer = setInterval(() => {
    if (s.watches.size === 0 && s.extras.size === 0) {
      clearInterval(s.timer);
      s.timer = undefined;
      return;
    }
    if (s.busy) return;
    s.busy = true;
    tick(s)
      .catch((err) => logFailure("caller re-check", err))
      .finally(() => (s.busy = false));
  }, CALLER_RECHECK_MS);
  s.timer.unref?.();
}

/**
 * Calls `hooks.end(reason)` once, within about CALLER_RECHECK_MS, when the caller may no longer go on
 * (see callersRecheck); until then calls `hooks.refresh` on each tick. Returns the function that stops
 * watching (call it when the caller leaves).
 */
export function callerWatch(check: CallerCheck, hooks: CallerWatchHooks | ((reason: string) => void)): () => void {
  const s = state();
  const w: Watch = { ...check, ...(typeof hooks === "function" ? { end: hooks } : hooks) };
  s.watches.add(w);
  ensureTimer(s);
  return () => {
    s.watches.delete(w);
  };
}

/**
 * Runs `run` on every tick of the same loop (after the callers' re-check) until the returned
 * function is called. For a feature's own batched checks of what it holds open; `name` keys it
 * (registering a name again replaces it) and names it in the log.
 */
export function callerWatchExtra(name: string, run: () => Promise<void>): () => void {
  const s = state();
  s.extras.set(name, run);
  ensureTimer(s);
  return () => {
    if (s.extras.get(name) === run) s.extras.delete(name);
  };
}
