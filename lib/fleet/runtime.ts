import "server-only";
import { EventEmitter } from "node:events";
import { createHostPool, type HostPool } from "@/lib/hosts/pool";
import { createStreamPool, type StreamPool } from "@/lib/hosts/stream-pool";
import { connectSsh } from "@/lib/hosts/ssh-transport";
import { HostKeyMismatchError, isHostError } from "@/lib/hosts/errors";
import { createVirshSessions, VIRSH_SLOW_SESSIONS_PER_HOST, type VirshSessions } from "@/lib/hosts/virsh-session-pool";
import type { HostTransport } from "@/lib/hosts/transport";
import {
  createHostClient,
  hostReadyAssert,
  SLOW_TIMEOUT_MS,
  type HostClient,
  type HostClientOptions,
} from "@/lib/hosts/client";
import { hostConnectInfo, hostGet, type HostView } from "@/lib/fleet/hosts";
import { hostStatusAnswered, hostStatusForget, hostStatusSet } from "@/lib/fleet/host-status";
import { hostErrorToApp } from "@/lib/hosts/client-errors";
import { isAppError } from "@/lib/http/errors";

/**
 * Per-process connection caches: per host one SSH connection with its virsh
 * sessions, and one more for the slow-verb sessions. Shared through globalThis because the custom server and
 * Next's route bundles load separate copies of this module. Nothing here is
 * state another instance needs: losing it only costs a reconnect.
 */
export interface FleetRuntime {
  pool: HostPool;
  /** Extra connections for long-lived session channels (serial consoles), apart from `pool`. */
  streams: StreamPool;
  sessions: VirshSessions;
  /** Sessions for slow verbs (host client `virshSlowTry`), on a connection per host of their own (`slowPool`). */
  slowSessions: VirshSessions;
  slowPool: HostPool;
  /** Emits "vm" and "host" events for live updates (see events.ts). */
  bus: EventEmitter;
  /** Per-host caches owned by inventory.ts / events.ts. */
  caches: Map<string, unknown>;
}

const KEY = Symbol.for("virtdeck.fleet");
type Holder = { [KEY]?: FleetRuntime };

/**
 * Opens a host's SSH connection and records what it tells (online, offline, key mismatch). `quiet`:
 * an extra connection (slow-verb sessions) whose failure to open says nothing the main one does not:
 * it never marks the host offline (a key mismatch still is recorded).
 */
async function connect(hostId: string, opts: { quiet?: boolean } = {}): Promise<HostTransport> {
  const host = await hostConnectInfo(hostId);
  hostReadyAssert(host);
  try {
    const transport = await connectSsh({
      host: host.address,
      port: host.port,
      username: host.username,
      privateKey: host.privateKey,
      expectedHostKeySha256: host.hostKeySha256,
      readyTimeoutMs: 8_000,
      keepaliveIntervalMs: 5_000,
      keepaliveCountMax: 3,
    });
    if (await hostStatusSet(host.id, "online", "", { seen: true }))
      fleet().bus.emit("host", { hostId: host.id, status: "online", statusMessage: "" });
    return transport;
  } catch (err) {
    if (err instanceof HostKeyMismatchError) {
      if (
        await hostStatusSet(host.id, "key_mismatch", err.message, { presentedHostKeySha256: err.presentedFingerprint })
      )
        fleet().bus.emit("host", { hostId: host.id, status: "key_mismatch", statusMessage: err.message });
    } else if (isHostError(err) && !opts.quiet) {
      const mapped = hostErrorToApp(err, host.name);
      const message = mapped instanceof Error ? mapped.message : String(mapped);
      if (await hostStatusSet(host.id, "offline", message))
        fleet().bus.emit("host", { hostId: host.id, status: "offline", statusMessage: message });
    }
    throw hostErrorToApp(err, host.name);
  }
}

export function fleet(): FleetRuntime {
  const holder = globalThis as unknown as Holder;
  if (!holder[KEY]) {
    const pool = createHostPool((hostId) => connect(hostId));
    const slowPool = createHostPool((hostId) => connect(hostId, { quiet: true }));
    const bus = new EventEmitter();
    bus.setMaxListeners(0);
    holder[KEY] = {
      pool,
      streams: createStreamPool((hostId) => connect(hostId)),
      sessions: createVirshSessions(pool),
      slowSessions: createVirshSessions(slowPool, {
        maxPerHost: VIRSH_SLOW_SESSIONS_PER_HOST,
        commandTimeoutMs: SLOW_TIMEOUT_MS,
      }),
      slowPool,
      bus,
      caches: new Map(),
    };
  }
  return holder[KEY];
}

/** Forgets a host's connection and session (after its address, key or pin changed, or deletion). */
export function fleetForget(hostId: string): void {
  const f = fleet();
  f.sessions.close(hostId);
  f.slowSessions.close(hostId);
  f.pool.close(hostId);
  f.slowPool.close(hostId);
  f.streams.close(hostId);
  for (const key of [...f.caches.keys()]) if (key.startsWith(`${hostId}:`)) f.caches.delete(key);
  hostStatusForget(hostId);
}

/**
 * Marks a host offline after a dropped connection (or a libvirt that stopped answering) was
 * noticed outside connect(); the host event goes out only when status or reason changed.
 */
export async function fleetHostLost(hostId: string, message: string): Promise<void> {
  const changed = await hostStatusSet(hostId, "offline", message).catch(() => true);
  if (changed) fleet().bus.emit("host", { hostId, status: "offline", statusMessage: message });
}

/** libvirt on the host answered: an offline host is online again (event only on a change). */
export async function fleetHostAnswered(hostId: string): Promise<void> {
  if (await hostStatusAnswered(hostId)) fleet().bus.emit("host", { hostId, status: "online", statusMessage: "" });
}

/** Closes every host connection of this process (server shutdown). */
export function fleetCloseAll(): void {
  const holder = globalThis as unknown as Holder;
  if (!holder[KEY]) return;
  holder[KEY].sessions.closeAll();
  holder[KEY].slowSessions.closeAll();
  holder[KEY].pool.closeAll();
  holder[KEY].slowPool.closeAll();
  holder[KEY].streams.closeAll();
}

/**
 * Maps a failure talking to a host to an API error; when it shows the host is
 * unreachable, the host is marked offline at once (not only at the next connect).
 */
export async function fleetHostFailure(hostId: string, hostName: string, err: unknown): Promise<unknown> {
  const mapped = hostErrorToApp(err, hostName);
  if (isAppError(mapped) && mapped.code === "host_unreachable") await fleetHostLost(hostId, mapped.message);
  return mapped;
}

/** The host client for a host row already read (checks readiness: pinned key, no key dispute). */
export function hostClientFor(host: HostView, opts?: HostClientOptions): HostClient<HostView> {
  hostReadyAssert(host);
  const f = fleet();
  return createHostClient(
    host,
    {
      pool: f.pool,
      streams: f.streams,
      sessions: f.sessions,
      slowSessions: f.slowSessions,
      transportFailure: (err) => fleetHostFailure(host.id, host.name, err),
      answered: () => fleetHostAnswered(host.id),
    },
    opts,
  );
}

/** The host client of a host id (404 for an unknown host, host_not_ready before its key is pinned). */
export async function hostClient(hostId: string, opts?: HostClientOptions): Promise<HostClient<HostView>> {
  return hostClientFor(await hostGet(hostId), opts);
}
