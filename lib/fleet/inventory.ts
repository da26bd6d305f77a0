import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { domainInventoryRead, domainSummaryReadTry, domainXmlTry } from "@/lib/virt/domain";
import { nodeQemuStartTimes } from "@/lib/virt/node";
import { parseDomainXml, type DomainWire } from "@/lib/libvirt/domain-xml-parse";
import { parseDomstats, type DomstatsWire } from "@/lib/libvirt/domstats-parse";
import { parseDominfo } from "@/lib/libvirt/dominfo-parse";
import { isActive } from "@/lib/libvirt/vm-state";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { fleet, fleetHostFailure, hostClientFor } from "@/lib/fleet/runtime";
import { networkDhcpLeasesMany } from "@/lib/virt/network";
import type { LeaseWire } from "@/lib/libvirt/net-leases-parse";
import {
  cpuPercent,
  domainNetworks,
  leaseAddresses,
  toVmSummary,
  type VmAddress,
  type VmFlags,
  type VmSummary,
} from "@/lib/fleet/vm-view";

/**
 * A host's VM inventory from a few batched commands on its long-lived virsh
 * session (never one SSH exec per VM): four list/domstats commands, plus one
 * dumpxml per VM that is new or changed since the last refresh. Parsed XML is
 * cached per process; state and stats are re-read from the host every time the
 * cache is older than `maxAgeMs`, so the host stays the source of truth.
 */
export interface HostInventory {
  host: { id: string; name: string };
  vms: VmSummary[];
  fetchedAt: number;
}

interface Cache {
  host: { id: string; name: string; uri: string };
  /** Parsed XML per UUID; `active`: the domain ran when it was read (live XML), else persistent XML. */
  domains: Map<string, { xml: string; wire: DomainWire; active: boolean }>;
  /** Domain names whose XML must be re-read; "*" = all. */
  dirty: Set<string>;
  cpu: Map<string, { cpuNs: number; at: number; percent: number | null }>;
  startedAt: Map<string, number>;
  current?: HostInventory;
  /** The last inventory read (kept when `current` is invalidated; dropped when a refresh fails). */
  last?: HostInventory;
  /** The last inventory read that succeeded, kept through failures: what a list shows, greyed, while the host is away. */
  known?: HostInventory;
  inflight?: Promise<HostInventory>;
  startTimesPending?: Promise<void>;
  /** VMs read on their own (inventoryVmRead) since the refresh in flight began, and when. */
  patched: Map<string, { at: number; vm: VmSummary }>;
  /** When the in-flight refresh started reading the host. */
  inflightStartedAt?: number;
}

function cacheFor(host: HostView): Cache {
  const key = `${host.id}:inventory`;
  const caches = fleet().caches;
  let c = caches.get(key) as Cache | undefined;
  if (!c || c.host.uri !== host.libvirtUri) {
    c = {
      host: { id: host.id, name: host.name, uri: host.libvirtUri },
      domains: new Map(),
      dirty: new Set(),
      cpu: new Map(),
      startedAt: new Map(),
      patched: new Map(),
    };
    caches.set(key, c);
  }
  c.host.name = host.name;
  return c;
}

const UPTIME_WAIT_MS = 500;

/** Marks domains (by name) whose XML changed, e.g. from a libvirt event; "*" for all. */
export function inventoryInvalidate(hostId: string, names: string[] | "*"): void {
  const c = fleet().caches.get(`${hostId}:inventory`) as Cache | undefined;
  if (!c) return;
  for (const n of names === "*" ? ["*"] : names) c.dirty.add(n);
  c.current = undefined;
}

/**
 * Re-reads XML for new domains, for dirty ones (matched by name), and for those that started or
 * stopped since it was read (live and persistent XML differ: a stale one would pair the new state
 * with the old definition, and the next read would report the same change again); forgets domains gone.
 */
async function domainsSync(
  c: Cache,
  client: HostClient,
  ids: string[],
  dirty: Set<string>,
  activeByName: (name: string) => boolean,
): Promise<void> {
  const allDirty = dirty.has("*");
  const need = ids.filter((id) => {
    const known = c.domains.get(id);
    return !known || allDirty || dirty.has(known.wire.name) || known.active !== activeByName(known.wire.name);
  });
  const xmls = await domainXmlTry({ host: client, items: need.map((uuid) => ({ uuid })) });
  xmls.forEach((r, i) => {
    // A domain undefined between list and dumpxml simply drops out.
    if (!r.ok) return c.domains.delete(need[i]);
    const wire = parseDomainXml(r.stdout);
    c.domains.set(need[i], { xml: r.stdout, wire, active: activeByName(wire.name) });
  });
  const present = new Set(ids);
  for (const id of [...c.domains.keys()]) if (!present.has(id)) c.domains.delete(id);
}

/** The libvirt networks the running guests of the cache are on. */
function activeNetworks(c: Cache): string[] {
  const names = new Set<string>();
  for (const d of c.domains.values()) if (d.active) for (const n of domainNetworks(d.wire)) names.add(n);
  return [...names].sort();
}

/** `leases` with those of the `needed` networks it lacks read in one more batch (none when it has them all). */
async function leasesComplete(
  client: HostClient,
  leases: Map<string, LeaseWire[] | null>,
  needed: string[],
): Promise<Map<string, LeaseWire[] | null>> {
  const missing = needed.filter((n) => !leases.has(n));
  if (!missing.length) return leases;
  const read = await networkDhcpLeasesMany({ host: client, names: missing }).catch(() => missing.map(() => null));
  const out = new Map(leases);
  missing.forEach((n, i) => out.set(n, read[i] ?? null));
  return out;
}

async function refresh(c: Cache, client: HostClient): Promise<HostInventory> {
  // Names marked dirty while this refresh runs stay for the next one.
  const dirty = new Set(c.dirty);
  c.dirty.clear();
  // Guest addresses from DHCP leases: the networks running guests were on at the last read are read
  // in the same batch as the lists; a network only a new or newly started guest uses, in one more.
  const raw = await domainInventoryRead({ host: client, leaseNetworks: activeNetworks(c) });
  const ids = raw.all;
  const stats = new Map<string, DomstatsWire>(parseDomstats(raw.stats).map((s) => [s.name, s]));
  await domainsSync(c, client, ids, dirty, (name) => {
    const st = stats.get(name)?.state;
    return st ? isActive(st) : false;
  });
  const leases = await leasesComplete(client, raw.leases, activeNetworks(c));

  const at = Date.now();
  const runningWithoutStart = ids.some((id) => {
    const d = c.domains.get(id);
    const st = d && stats.get(d.wire.name)?.state;
    return st && isActive(st) && !c.startedAt.has(id);
  });
  if (runningWithoutStart && !c.startTimesPending) {
    c.startTimesPending = nodeQemuStartTimes({ host: client })
      .then((starts) => {
        for (const [id, t] of starts) c.startedAt.set(id, t);
      })
      .catch(() => {})
      .finally(() => (c.startTimesPending = undefined));
  }
  // Uptime comes from a separate `ps` exec (a login shell on the host): wait for it only briefly,
  // so a slow shell never holds the inventory, and so live events; a later refresh fills it in.
  if (c.startTimesPending) await Promise.race([c.startTimesPending, new Promise((r) => setTimeout(r, UPTIME_WAIT_MS))]);

  const autoSet = new Set(raw.autostart);
  const managedSet = new Set(raw.managedSave);
  const transientSet = new Set(raw.transient);
  const vms: VmSummary[] = [];
  for (const id of ids) {
    const d = c.domains.get(id);
    if (!d) continue;
    const flags = { autostart: autoSet.has(id), hasManagedSave: managedSet.has(id), persistent: !transientSet.has(id) };
    const addresses = d.active ? leaseAddresses(d.wire, leases) : [];
    vms.push(summaryBuild(c, id, d.wire, stats.get(d.wire.name), flags, at, addresses));
  }
  return { host: { id: c.host.id, name: c.host.name }, vms, fetchedAt: at };
}

/** One VM's summary from what was read at `at` (CPU use from the previous sample, uptime when known). */
function summaryBuild(
  c: Cache,
  id: string,
  wire: DomainWire,
  s: DomstatsWire | undefined,
  flags: VmFlags,
  at: number,
  addresses: VmAddress[],
): VmSummary {
  const active = s?.state ? isActive(s.state) : false;
  if (!active) {
    c.startedAt.delete(id);
    c.cpu.delete(id);
  }
  let percent: number | null = null;
  if (active && s?.cpuTimeNs !== undefined) {
    const prev = c.cpu.get(id);
    const vcpus = s.vcpuCurrent ?? wire.vcpu.current;
    if (prev && at - prev.at < 500) {
      percent = prev.percent; // too close to the last sample to be meaningful
    } else {
      percent = prev ? cpuPercent(prev, { cpuNs: s.cpuTimeNs, at }, vcpus) : null;
      c.cpu.set(id, { cpuNs: s.cpuTimeNs, at, percent });
    }
  }
  const started = c.startedAt.get(id);
  const uptimeSeconds = started ? Math.max(0, Math.round((at - started) / 1000)) : null;
  return toVmSummary(c.host, wire, s, flags, { cpuPercent: percent, uptimeSeconds, addresses });
}

/** Puts `vm` into the inventories served, now and after a refresh that began reading the host before `at`. */
function patch(c: Cache, vm: VmSummary, at: number): void {
  c.patched.set(vm.uuid, { at, vm });
  const patched = (inv: HostInventory) => {
    const i = inv.vms.findIndex((v) => v.uuid === vm.uuid);
    return { ...inv, vms: i < 0 ? [...inv.vms, vm] : inv.vms.with(i, vm) };
  };
  const same = c.current === c.last;
  if (c.current) c.current = patched(c.current);
  if (same) c.last = c.current;
  else if (c.last) c.last = patched(c.last);
}

/** A refresh that began reading at `startedAt` is done: newer single-VM reads still stand, older ones are in it. */
function patchesApply(c: Cache, inv: HostInventory, startedAt: number): HostInventory {
  let vms = inv.vms;
  for (const [uuid, p] of c.patched) {
    if (p.at <= startedAt) c.patched.delete(uuid);
    else vms = vms.map((v) => (v.uuid === uuid ? p.vm : v));
  }
  return vms === inv.vms ? inv : { ...inv, vms };
}

/**
 * One VM read again on its own (its `dominfo`, live XML and stats: no whole-host list, which
 * libvirt holds while it destroys any domain there), put into the cached inventory; null when the
 * domain is gone. What an action answers and publishes right after it ran.
 */
export async function inventoryVmRead(hostId: string, uuid: string): Promise<VmSummary | null> {
  const host = await hostGet(hostId);
  const c = cacheFor(host);
  const at = Date.now();
  let r: Awaited<ReturnType<typeof domainSummaryReadTry>>;
  try {
    r = await domainSummaryReadTry({ host: hostClientFor(host, { commandErrorCode: "host_error" }), uuid });
  } catch (err) {
    throw await fleetHostFailure(host.id, host.name, err);
  }
  if (!r.info.ok || !r.xml.ok) return null;
  const info = parseDominfo(r.info.stdout);
  const wire = parseDomainXml(r.xml.stdout);
  const stats = (r.stats.ok ? parseDomstats(r.stats.stdout)[0] : undefined) ?? {
    name: wire.name,
    blocks: [],
    nets: [],
    raw: {},
  };
  stats.state ??= info.state;
  c.domains.set(uuid, { xml: r.xml.stdout, wire, active: isActive(stats.state) });
  // The leases stay as the last inventory read saw them (the next one reads them again).
  const before = (c.current ?? c.last)?.vms.find((v) => v.uuid === uuid);
  const vm = summaryBuild(c, uuid, wire, stats, info, at, before?.addresses ?? []);
  patch(c, vm, at);
  return vm;
}

/** A refresh that read the host from `notBefore` on (waits for an older one in flight, starts one if none). */
async function refreshFrom(c: Cache, host: HostView, notBefore: number): Promise<HostInventory> {
  // A refresh that began before `notBefore` (e.g. before a libvirt event) may miss the change: wait for it, then read again.
  while (c.inflight && (c.inflightStartedAt ?? 0) < notBefore) await c.inflight.catch(() => {});
  if (!c.inflight) {
    const startedAt = Date.now();
    c.inflightStartedAt = startedAt;
    c.inflight = refresh(c, hostClientFor(host, { commandErrorCode: "host_error" }))
      .then((inv) => (c.current = c.last = c.known = patchesApply(c, { ...inv, fetchedAt: startedAt }, startedAt)))
      .catch((err) => {
        // never serve the old inventory as fresh after a failure
        c.current = c.last = undefined;
        throw err;
      })
      .finally(() => (c.inflight = undefined));
  }
  return c.inflight;
}

/** The inventory from `refreshing`, or null when it takes longer than `ms`. */
async function within(refreshing: Promise<HostInventory>, ms: number): Promise<HostInventory | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)));
  try {
    return await Promise.race([refreshing, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The oldest last read a list may answer from while libvirt's events keep it current. */
const KEPT_MAX_AGE_MS = 30_000;

/**
 * The host's inventory, re-read when older than maxAgeMs (concurrent callers share one refresh).
 * `waitMs`: when the re-read takes longer, answer from the last inventory read instead, while a slow
 * verb of this process runs on the host (libvirt holds every list of a host while it destroys a
 * domain, until QEMU has exited: seconds) or, with `keptByEvents` (lib/fleet/events eventsLive),
 * while libvirt's events keep that read current (each change re-reads and is published on the
 * events stream); the re-read goes on and serves the next caller.
 */
export async function inventoryGet(
  hostId: string,
  opts: { maxAgeMs?: number; waitMs?: number; host?: HostView; keptByEvents?: boolean } = {},
): Promise<HostInventory> {
  // `host`: the row the caller has just read (the fleet list reads every host in one query).
  const host = opts.host?.id === hostId ? opts.host : await hostGet(hostId);
  const c = cacheFor(host);
  const maxAge = opts.maxAgeMs ?? 1_000;
  // Data is as fresh as the moment its refresh started reading the host.
  const notBefore = Date.now() - maxAge;
  if (c.current && c.current.fetchedAt >= notBefore) return c.current;
  const last = c.last;
  try {
    const refreshing = refreshFrom(c, host, notBefore);
    if (opts.waitMs === undefined || !last) return await refreshing;
    const inv = await within(refreshing, opts.waitMs);
    if (inv) return inv;
    // Only while this process has a slow verb running there (a destroy holds libvirt's lists) or while
    // libvirt's events keep the last read current: any other slow re-read is waited for, so a list never
    // shows an older read without cause.
    const kept = opts.keptByEvents && Date.now() - last.fetchedAt <= KEPT_MAX_AGE_MS;
    if (!kept && !fleet().slowSessions.busy(host.id, host.libvirtUri)) return await refreshing;
    refreshing.catch(() => {}); // a failure is the next caller's answer
    return last;
  } catch (err) {
    throw await fleetHostFailure(host.id, host.name, err);
  }
}

/** One VM's summary from the last inventory read, without reading the host; undefined when none knows it. */
export function inventoryVmKnown(hostId: string, uuid: string): VmSummary | undefined {
  const c = fleet().caches.get(`${hostId}:inventory`) as Cache | undefined;
  return (c?.current ?? c?.last)?.vms.find((v) => v.uuid === uuid);
}

/**
 * The VMs of the last successful read of a host, however old (kept while the host does not answer), and when it
 * was read; undefined when this process never read the host. Only for showing what was there, never for acting.
 */
export function inventoryLastKnown(hostId: string): HostInventory | undefined {
  return (fleet().caches.get(`${hostId}:inventory`) as Cache | undefined)?.known;
}

/** Parsed live XML of one VM from the cache (after inventoryGet), if known. */
export function inventoryDomain(hostId: string, uuid: string): { xml: string; wire: DomainWire } | undefined {
  return (fleet().caches.get(`${hostId}:inventory`) as Cache | undefined)?.domains.get(uuid);
}

/** UUID of a domain by name, from the cache (event lines carry names). */
export function inventoryUuidByName(hostId: string, name: string): string | undefined {
  const c = fleet().caches.get(`${hostId}:inventory`) as Cache | undefined;
  if (!c) return undefined;
  for (const [id, d] of c.domains) if (d.wire.name === name) return id;
  return undefined;
}
