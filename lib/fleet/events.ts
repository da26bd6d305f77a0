import "server-only";
import { childLogger } from "@/lib/log";
import type { CommandStream } from "@/lib/hosts/transport";
import { virshMessage } from "@/lib/hosts/client-errors";
import { isAppError } from "@/lib/http/errors";
import { hostGet, hostsList, type HostView } from "@/lib/fleet/hosts";
import { fleet, fleetHostLost, hostClientFor } from "@/lib/fleet/runtime";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import type { VmSummary } from "@/lib/fleet/vm-view";
import {
  visibility,
  visibilityFromGrants,
  visibilityHas,
  visibilityHosts,
  type GrantFact,
  type Principal,
  type Visibility,
} from "@/lib/authz";

/** What a stream refresh may share with the others of its tick (lib/auth/caller-watch TickReads). */
type SharedReads = { grants: (userId: string) => Promise<GrantFact[]> };

/**
 * Live updates from libvirt's own event stream: one `virsh event --all --loop`
 * per host on a long-lived SSH channel, started while someone is listening.
 * Each event refreshes that host's inventory (cheap: domstats plus the XML of
 * the domains named in the events) and publishes what changed on the bus.
 * Before each restart libvirt is probed on the host's virsh session; a host whose SSH connection
 * dropped or whose libvirt stopped answering is marked offline once (the host event goes out on a
 * change only) and retried with a capped backoff, probing each second while the session runs.
 *
 * Every app instance runs its own watchers for its own listeners, so no event
 * needs to travel between instances.
 */
export interface VmEvent {
  hostId: string;
  uuid: string;
  vm: VmSummary | null;
}

export interface HostEvent {
  hostId: string;
  status: string;
  statusMessage: string;
}

interface Watcher {
  hostId: string;
  stream?: CommandStream;
  stopped: boolean;
  backoffMs: number;
  /** Retries scheduled since the watcher started (tests read it through eventsWatcherAttempts). */
  attempts: number;
  retry?: NodeJS.Timeout;
  debounce?: NodeJS.Timeout;
  names: Set<string>;
  /** When the running stream opened (undefined while none runs). */
  openedAt?: number;
}

interface EventsState {
  listeners: number;
  watchers: Map<string, Watcher>;
  idleTimer?: NodeJS.Timeout;
  /** Per host: what was last published for each VM (see eventsVmPublish); a watcher's `last`. */
  published: Map<string, Map<string, string>>;
}

function state(): EventsState {
  const caches = fleet().caches;
  let s = caches.get("events") as EventsState | undefined;
  if (!s) {
    s = { listeners: 0, watchers: new Map(), published: new Map() };
    caches.set("events", s);
  }
  return s;
}

// `event 'lifecycle' for domain 'NAME': Started Booted` (tools/virsh-domain-event.c).
const LINE = /^event '([^']+)' for domain '(.*)':/;

/** Domain names named in a chunk of `virsh event` output. */
export function eventDomainNames(chunk: string): string[] {
  const names: string[] = [];
  for (const line of chunk.split("\n")) {
    const m = LINE.exec(line.trim());
    if (m) names.push(m[2]);
  }
  return names;
}

const DEBOUNCE_MS = 100;
const FIRST_RETRY_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
// While the host's virsh session runs, a libvirt probe is one line on it (no exec): poll at this pace.
const LIVE_PROBE_MS = 1_000;
// An event stream open this long counts as recovered: its next failure starts the backoff over.
const STABLE_MS = 5_000;
// virsh registers its event callbacks a moment after its channel opens (seconds on a loaded host), and a
// change in that window is never reported: the inventory is read again once registration must be done.
const SETTLE_MS = [1_000, 5_000];

function published(hostId: string): Map<string, string> {
  const all = state().published;
  let last = all.get(hostId);
  if (!last) all.set(hostId, (last = new Map()));
  return last;
}

/**
 * Publishes a VM's state (null: gone) on the bus, unless it is what this process last published for
 * that VM. A change made through virtdeck is seen twice: the action publishes its result at once,
 * and the host's watcher sees the same change in libvirt's events a moment later; each stream gets
 * it once, from whichever comes first. CPU and uptime figures alone are no change.
 */
export function eventsVmPublish(hostId: string, uuid: string, vm: VmSummary | null): boolean {
  const last = published(hostId);
  const json = vm && JSON.stringify({ ...vm, cpuPercent: null, uptimeSeconds: null });
  if (json === null ? !last.has(uuid) : last.get(uuid) === json) return false;
  if (json === null) last.delete(uuid);
  else last.set(uuid, json);
  fleet().bus.emit("vm", { hostId, uuid, vm } satisfies VmEvent);
  return true;
}

/** Publishes what the host's inventory says now; `reread`: the XML of the domains named in events (all when none). */
async function publishChanges(w: Watcher, reread = true): Promise<void> {
  const names = [...w.names];
  w.names.clear();
  if (reread || names.length) inventoryInvalidate(w.hostId, names.length ? names : "*");
  const inv = await inventoryGet(w.hostId, { maxAgeMs: 0 });
  const seen = new Set<string>();
  for (const vm of inv.vms) {
    seen.add(vm.uuid);
    eventsVmPublish(w.hostId, vm.uuid, vm);
  }
  for (const uuid of [...published(w.hostId).keys()]) if (!seen.has(uuid)) eventsVmPublish(w.hostId, uuid, null);
}

function schedule(w: Watcher): void {
  if (w.debounce) return;
  w.debounce = setTimeout(() => {
    w.debounce = undefined;
    publishChanges(w).catch(() => {});
  }, DEBOUNCE_MS);
}

// virsh's lead line when it cannot reach libvirt; the reason follows it.
const NO_HYPERVISOR = /^(?:failed to connect|failed to reconnect) to the hypervisor\s*/i;

/**
 * Asks libvirt for its URI on the host's virsh session: one line on a running virsh (no SSH exec,
 * no login shell), and the client marks an offline host online when it answers. False (host marked
 * offline with libvirt's reason, published only when that changes) when libvirt does not answer;
 * throws when the host itself is unreachable (the client marked it offline already).
 */
async function libvirtAnswers(host: HostView): Promise<boolean> {
  let reason: string;
  try {
    const [r] = await hostClientFor(host, { commandErrorCode: "host_error" }).virshTry({ command: "uri" });
    if (r.ok) return true;
    reason = virshMessage(r.stderr);
  } catch (err) {
    // A virsh that could not start: its handshake failed (SSH is fine).
    if (!isAppError(err) || err.code !== "host_error") throw err;
    reason = err.message.slice(host.name.length + 2);
  }
  await fleetHostLost(host.id, `${host.name}: libvirt is not answering: ${reason.replace(NO_HYPERVISOR, "")}`);
  return false;
}

async function connect(w: Watcher): Promise<void> {
  if (w.stopped) return;
  let host: HostView | undefined;
  try {
    host = await hostGet(w.hostId);
    if (w.stopped) return;
    if (!host.hostKeySha256 || host.status === "key_mismatch") {
      w.stopped = true;
      state().watchers.delete(w.hostId);
      return;
    }
    // A retry probes first: while libvirtd is down, no exec is spent on a stream that would die at once.
    if (w.attempts > 0 && (!(await libvirtAnswers(host)) || w.stopped)) return retry(w, host);
    // On the host's main connection: when that connection drops, the stream closes with it.
    const { stream, hostGone } = await hostClientFor(host).virshChannel({
      command: "event",
      args: [{ flag: "--all" }, { flag: "--loop" }],
    });
    if (w.stopped) {
      stream.destroy();
      return;
    }
    w.stream = stream;
    const opened = Date.now();
    w.openedAt = opened;
    let buffer = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      buffer += chunk;
      const end = buffer.lastIndexOf("\n");
      if (end < 0) return;
      for (const name of eventDomainNames(buffer.slice(0, end))) w.names.add(name);
      buffer = buffer.slice(end + 1);
      schedule(w);
    });
    stream.stderr.resume();
    stream.once("close", () => {
      w.stream = undefined;
      w.openedAt = undefined;
      if (w.stopped) return;
      // A stream that ran a while starts the backoff over; one that dies at once keeps backing off.
      if (Date.now() - opened >= STABLE_MS) w.backoffMs = FIRST_RETRY_MS;
      // SSH still up: virsh lost libvirt (libvirtd stopped); the next probe says so, once.
      if (!hostGone()) return retry(w, host);
      fleetHostLost(w.hostId, "host connection lost")
        .catch((err) => childLogger("fleet", { host: w.hostId }).error({ err }, "could not mark the host offline"))
        .finally(() => retry(w, host));
    });
    // Catch up on whatever changed while nobody was watching, and on what changed before virsh listened.
    schedule(w);
    for (const ms of SETTLE_MS)
      setTimeout(() => {
        if (w.stream === stream && !w.stopped) publishChanges(w, false).catch(() => {});
      }, ms).unref?.();
  } catch {
    retry(w, host);
  }
}

/**
 * The next attempt: exponential backoff (capped) for attempts that cost an SSH exec or a new
 * connection, but at most LIVE_PROBE_MS while the host's virsh session runs, since the probe then
 * costs one line on it; so a libvirtd back from a restart is seen within a second.
 */
function retry(w: Watcher, host?: HostView): void {
  if (w.stopped) return;
  const live = host ? fleet().sessions.live(host.id, host.libvirtUri) : false;
  const delay = live ? Math.min(w.backoffMs, LIVE_PROBE_MS) : w.backoffMs;
  w.backoffMs = Math.min(MAX_BACKOFF_MS, w.backoffMs * 2);
  w.attempts++;
  w.retry = setTimeout(() => void connect(w), delay);
}

function watch(hostId: string): void {
  const s = state();
  if (s.watchers.has(hostId)) return;
  const w: Watcher = { hostId, stopped: false, backoffMs: FIRST_RETRY_MS, attempts: 0, names: new Set() };
  s.watchers.set(hostId, w);
  // A new watcher's first refresh publishes every VM's current state (its listeners start empty).
  s.published.delete(hostId);
  void connect(w);
}

function unwatch(w: Watcher): void {
  w.stopped = true;
  clearTimeout(w.retry);
  clearTimeout(w.debounce);
  w.stream?.destroy();
  state().watchers.delete(w.hostId);
}

/** Starts watchers for every usable host (idempotent); call after a host is added or confirmed. */
export async function eventsWatchHosts(): Promise<void> {
  if (state().listeners === 0) return;
  for (const h of await hostsList()) {
    if (h.hostKeySha256 && h.status !== "key_mismatch") watch(h.id);
  }
}

/**
 * Whether libvirt reports the host's changes to this process now: its watcher's stream has run past the settle
 * reads, so every change made since the last inventory read comes as an event, which re-reads and publishes it.
 * A list may then answer from the last read instead of waiting for a slow re-read (inventoryGet `keptByEvents`).
 */
export function eventsLive(hostId: string): boolean {
  const w = state().watchers.get(hostId);
  return !!w && !w.stopped && !!w.stream && w.openedAt !== undefined && Date.now() - w.openedAt >= SETTLE_MS.at(-1)!;
}

/** Retries a host's watcher has scheduled so far (0 when none runs): lets tests bound the retry pace. */
export function eventsWatcherAttempts(hostId: string): number {
  return state().watchers.get(hostId)?.attempts ?? 0;
}

/** Stops a host's watcher (host deleted or its endpoint changed). */
export function eventsUnwatch(hostId: string): void {
  const w = state().watchers.get(hostId);
  if (w) unwatch(w);
}

/**
 * Subscribes to VM and host events. Watchers run while at least one listener
 * exists, and stop a minute after the last one leaves.
 */
export function eventsSubscribe(onVm: (e: VmEvent) => void, onHost: (e: HostEvent) => void): () => void {
  const s = state();
  const bus = fleet().bus;
  s.listeners++;
  clearTimeout(s.idleTimer);
  bus.on("vm", onVm);
  bus.on("host", onHost);
  void eventsWatchHosts().catch(() => {});
  let done = false;
  return () => {
    if (done) return;
    done = true;
    bus.off("vm", onVm);
    bus.off("host", onHost);
    s.listeners--;
    if (s.listeners === 0) {
      s.idleTimer = setTimeout(() => {
        if (state().listeners === 0) for (const w of [...state().watchers.values()]) unwatch(w);
      }, 60_000);
      s.idleTimer.unref?.();
    }
  };
}

/** Sends one event of a caller's feed (the SSE stream's `send`). */
export type EventsSend = (event: "vm" | "host", data: VmEvent | HostEvent) => void;

/**
 * A caller's feed of VM and host events: only the VMs they may view (`vm.view`) and the hosts they
 * see something on. Reads their visibility now (so a refused caller fails before any stream opens),
 * and returns the feed's start: it subscribes and gives back the teardown and `refresh`, which
 * re-reads the visibility (run on every caller re-check tick, so granted and revoked access apply to
 * an open stream) and tells the browser to drop VMs granted one by one that are no longer visible.
 */
export async function eventsVisibleFeed(
  principal: Principal,
): Promise<(send: EventsSend) => { stop: () => void; refresh: (reads: SharedReads) => Promise<void> }> {
  let visible: Visibility = await visibility(principal, "vm.view");
  const hostVisible = (hostId: string) => {
    const hosts = visibilityHosts(visible);
    return hosts === "all" || hosts.has(hostId.toLowerCase());
  };
  return (send) => {
    const stop = eventsSubscribe(
      (e) => {
        if (visibilityHas(visible, e.hostId, e.uuid)) send("vm", e);
      },
      (e) => {
        if (hostVisible(e.hostId)) send("host", e);
      },
    );
    // The tick's grants read is shared by every stream of the user (one query per user per tick).
    const refresh = async (reads: SharedReads) => {
      const next = await visibilityFromGrants(principal, "vm.view", await reads.grants(principal.user.id));
      for (const key of visible.vms) {
        const [hostId, uuid] = key.split("/");
        if (!visibilityHas(next, hostId, uuid)) send("vm", { hostId, uuid, vm: null });
      }
      visible = next;
    };
    return { stop, refresh };
  };
}
