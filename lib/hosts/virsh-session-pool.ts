import "server-only";
import type { HostPool } from "./pool";
import { VirshSession } from "./virsh-session";

/**
 * The virsh sessions of each (host, URI), opened through the pool so a session restart after a
 * dropped connection also gets a fresh connection.
 *
 * A session answers its commands in order, so one busy session would make every caller wait behind
 * whatever it is running (a long dumpxml batch, a mutation libvirt takes its time over). `get` hands
 * out an idle session when there is one, opens another one while the host has fewer than
 * `maxPerHost`, and otherwise the least busy one. Extra sessions stay open for the next burst; they
 * cost one exec channel each on the host's main connection, which OpenSSH caps (MaxSessions, 10 by
 * default) together with the event watcher and one-shot execs (ssh-transport.ts `maxConcurrentRuns`, 6):
 * keep `maxPerHost` + 1 + that cap within it. Slow verbs do not queue here at all: they run on sessions
 * of their own on another connection (VIRSH_SLOW_SESSIONS_PER_HOST).
 */
export interface VirshSessions {
  /** The session for the next batch (see above); call its `batch` at once, so it counts as busy. */
  get(hostId: string, uri: string): VirshSession;
  /** How many sessions are open for (host, URI), for tests and diagnostics. */
  size(hostId: string, uri: string): number;
  /** Whether one of (host, URI)'s sessions runs on a live connection (a probe then costs no exec). */
  live(hostId: string, uri: string): boolean;
  /** Whether one of (host, URI)'s sessions is running a command now. */
  busy(hostId: string, uri: string): boolean;
  close(hostId: string): void;
  closeAll(): void;
}

export const VIRSH_SESSIONS_PER_HOST = 2;

/**
 * Slow-verb sessions per host (lib/fleet/runtime.ts), on a connection of their own: within
 * OpenSSH's MaxSessions (10) with room to spare; more concurrent slow verbs queue on the least busy.
 */
export const VIRSH_SLOW_SESSIONS_PER_HOST = 6;

/** The session a batch should go to, or null when a new one should be opened (pure; exported for tests). */
export function virshSessionPick<S extends { inflight: number }>(open: readonly S[], max: number): S | null {
  const idle = open.find((s) => s.inflight === 0);
  if (idle) return idle;
  if (open.length < max) return null;
  return open.reduce((best, s) => (s.inflight < best.inflight ? s : best));
}

export function createVirshSessions(
  pool: HostPool,
  opts: { commandTimeoutMs?: number; maxPerHost?: number } = {},
): VirshSessions {
  const max = Math.max(1, opts.maxPerHost ?? VIRSH_SESSIONS_PER_HOST);
  const sessions = new Map<string, { hostId: string; open: VirshSession[] }>();
  const keyOf = (hostId: string, uri: string) => JSON.stringify([hostId, uri]);
  return {
    get(hostId, uri) {
      const key = keyOf(hostId, uri);
      let entry = sessions.get(key);
      if (!entry) sessions.set(key, (entry = { hostId, open: [] }));
      const picked = virshSessionPick(entry.open, max);
      if (picked) return picked;
      const session = new VirshSession({
        uri,
        transport: () => pool.get(hostId),
        commandTimeoutMs: opts.commandTimeoutMs,
      });
      entry.open.push(session);
      return session;
    },
    size(hostId, uri) {
      return sessions.get(keyOf(hostId, uri))?.open.length ?? 0;
    },
    live(hostId, uri) {
      return sessions.get(keyOf(hostId, uri))?.open.some((s) => s.live) ?? false;
    },
    busy(hostId, uri) {
      return sessions.get(keyOf(hostId, uri))?.open.some((s) => s.inflight > 0) ?? false;
    },
    close(hostId) {
      for (const [key, entry] of sessions) {
        if (entry.hostId !== hostId) continue;
        for (const s of entry.open) s.close();
        sessions.delete(key);
      }
    },
    closeAll() {
      for (const entry of sessions.values()) for (const s of entry.open) s.close();
      sessions.clear();
    },
  };
}
