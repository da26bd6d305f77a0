import "server-only";
import { childLogger } from "@/lib/log";
import type { CommandStream } from "@/lib/hosts/transport";
import { hostGet, hostsList } from "@/lib/fleet/hosts";
import { fleet, fleetHostLost, hostClientFor } from "@/lib/fleet/runtime";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import type { VmSummary } from "@/lib/fleet/vm-view";
import { visibility, visibilityHas, visibilityHosts, type Principal, type Visibility } from "@/lib/authz";

/**
 * Live updates from libvirt's own event stream: one `virsh event --all --loop`
 * per host on a long-lived SSH channel, started while someone is listening.
 * Each event refreshes that host's inventory (cheap: domstats plus the XML of
 * the domains named in the events) and publishes what changed on the bus.
 * A dropped host is retried with exponential backoff and marked offline.
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
  retry?: NodeJS.Timeout;
  debounce?: NodeJS.Timeout;
  names: Set<string>;
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
const MAX_BACKOFF_MS = 30_000;

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

async function publishChanges(w: Watcher): Promise<void> {
  const names = [...w.names];
  w.names.clear();
  inventoryInvalidate(w.hostId, names.length ? names : "*");
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

async function connect(w: Watcher): Promise<void> {
  if (w.stopped) return;
  try {
    const host = await hostGet(w.hostId);
    if (w.stopped) return;
    if (!host.hostKeySha256 || host.status === "key_mismatch") {
      w.stopped = true;
      state().watchers.delete(w.hostId);
      return;
    }
    // On the host's main connection: when that connection drops, the stream closes with it.
    const stream = await hostClientFor(host).virshStream({
      command: "event",
      args: [{ flag: "--all" }, { flag: "--loop" }],
    });
    if (w.stopped) {
      stream.destroy();
      return;
    }
    w.stream = stream;
    w.backoffMs = 1_000;
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
      if (w.stopped) return;
      fleetHostLost(w.hostId, "host connection lost")
        .catch((err) => childLogger("fleet", { host: w.hostId }).error({ err }, "could not mark the host offline"))
        .finally(() => retry(w));
    });
    // Catch up on whatever changed while nobody was watching.
    schedule(w);
  } catch {
    retry(w);
  }
}

function retry(w: Watcher): void {
  if (w.stopped) return;
  const delay = w.backoffMs;
  w.backoffMs = Math.min(MAX_BACKOFF_MS, w.backoffMs * 2);
  w.retry = setTimeout(() => void connect(w), delay);
}

function watch(hostId: string): void {
  const s = state();
  if (s.watchers.has(hostId)) return;
  const w: Watcher = { hostId, stopped: false, backoffMs: 1_000, names: new Set() };
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
): Promise<(send: EventsSend) => { stop: () => void; refresh: () => Promise<void> }> {
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
    const refresh = async () => {
      const next = await visibility(principal, "vm.view");
      for (const key of visible.vms) {
        const [hostId, uuid] = key.split("/");
        if (!visibilityHas(next, hostId, uuid)) send("vm", { hostId, uuid, vm: null });
      }
      visible = next;
    };
    return { stop, refresh };
  };
}
