import "server-only";
import type { DomainWire } from "@/lib/libvirt/domain-xml-parse";
import type { DomstatsWire } from "@/lib/libvirt/domstats-parse";
import type { DominfoWire } from "@/lib/libvirt/dominfo-parse";
import {
  canForceOff,
  canManagedSave,
  canPause,
  canReboot,
  canReset,
  canResume,
  canShutdown,
  canStart,
  isActive,
  type VmState,
} from "@/lib/libvirt/vm-state";
import type { DomainAddressWire, LeaseWire } from "@/lib/libvirt/net-leases-parse";
import type { VmAction, VmAddress, VmAddressSource, VmDetail, VmSummary } from "@/lib/contracts/fleet";

/** Reshapes libvirt wire types (parsed XML, domstats) into the API's VM types. */
export { VM_ACTIONS } from "@/lib/contracts/fleet";
export type { VmAction, VmAddress, VmDetail, VmSummary } from "@/lib/contracts/fleet";

export interface VmFlags {
  autostart: boolean;
  hasManagedSave: boolean;
  persistent: boolean;
  /** Marked as a template by virtdeck: never started (its disks back linked clones). */
  template?: boolean;
}

/** Actions libvirt accepts in this state (see lib/libvirt/vm-state.ts), so the UI offers only those. */
export function vmAllowedActions(state: VmState, f: VmFlags): VmAction[] {
  const out: VmAction[] = [];
  if (canStart(state) && !f.template) out.push("start");
  if (canShutdown(state)) out.push("shutdown");
  if (canReboot(state)) out.push("reboot");
  if (canForceOff(state)) out.push("destroy");
  if (canReset(state)) out.push("reset");
  if (canPause(state)) out.push("suspend");
  if (canResume(state)) out.push("resume");
  if (f.persistent && canManagedSave(state)) out.push("managedsave");
  if (f.hasManagedSave && !isActive(state)) out.push("managedsave-remove");
  if (f.persistent && (f.autostart || !f.template)) out.push(f.autostart ? "autostart-off" : "autostart-on");
  return out;
}

function graphicsKind(d: DomainWire): "vnc" | "spice" | null {
  const t = d.graphics[0]?.type;
  return t === "vnc" || t === "spice" ? t : null;
}

export function toVmSummary(
  host: { id: string; name: string },
  d: DomainWire,
  stats: DomstatsWire | undefined,
  flags: VmFlags,
  live: { cpuPercent: number | null; uptimeSeconds: number | null; addresses?: VmAddress[] },
): VmSummary {
  const state = stats?.state ?? "nostate";
  const active = isActive(state);
  return {
    hostId: host.id,
    hostName: host.name,
    uuid: d.uuid,
    name: d.name,
    title: d.title ?? "",
    state,
    vcpus: (active ? stats?.vcpuCurrent : undefined) ?? d.vcpu.current,
    memoryKiB: (active ? stats?.balloonCurrentKiB : undefined) ?? d.currentMemoryKiB,
    maxMemoryKiB: d.memoryKiB,
    cpuPercent: active ? live.cpuPercent : null,
    uptimeSeconds: active ? live.uptimeSeconds : null,
    autostart: flags.autostart,
    hasManagedSave: flags.hasManagedSave,
    graphics: graphicsKind(d),
    template: d.templateId !== undefined,
    allowedActions: vmAllowedActions(state, { ...flags, template: d.templateId !== undefined }),
    addresses: active ? (live.addresses ?? []) : [],
  };
}

/** The libvirt networks a domain's NICs are on (names virsh can take as a positional value). */
export function domainNetworks(d: DomainWire): string[] {
  const names = d.interfaces.flatMap((i) => (i.type === "network" && i.source?.network ? [i.source.network] : []));
  return [...new Set(names)].filter((n) => !n.startsWith("-") && !n.includes("\0"));
}

const familyOf = (f: string): "ipv4" | "ipv6" | null => (f === "ipv4" || f === "ipv6" ? f : null);

/**
 * A domain's addresses from its networks' DHCP leases, matched by each NIC's MAC on the network the
 * NIC is on (`leases`: per network name, null or absent where the network has none or was not read).
 */
export function leaseAddresses(d: DomainWire, leases: ReadonlyMap<string, readonly LeaseWire[] | null>): VmAddress[] {
  const out: VmAddress[] = [];
  for (const nic of d.interfaces) {
    const network = nic.type === "network" ? nic.source?.network : undefined;
    if (!network || !nic.mac) continue;
    for (const l of leases.get(network) ?? []) {
      const family = familyOf(l.family);
      if (l.mac !== nic.mac || !family) continue;
      out.push({
        interface: nic.targetDev ?? null,
        mac: nic.mac,
        family,
        address: l.address,
        prefix: l.prefix,
        source: "lease",
        network,
      });
    }
  }
  return out;
}

const LOOPBACK_ADDRESS = /^(127\.|::1$)/;

/**
 * Addresses from `domifaddr` of each source, merged: one entry per address (the first source that
 * reported it wins, in the order given), the guest's loopback left out, IPv4 before IPv6. The
 * network of a MAC on a libvirt network is filled in from the domain's NICs.
 */
export function domainAddressesMerge(
  d: DomainWire | null,
  bySource: readonly { source: VmAddressSource; addresses: readonly DomainAddressWire[] }[],
): VmAddress[] {
  const networkOf = new Map(
    (d?.interfaces ?? []).flatMap((i): [string, string][] =>
      i.mac && i.type === "network" && i.source?.network ? [[i.mac, i.source.network]] : [],
    ),
  );
  const seen = new Set<string>();
  const out: VmAddress[] = [];
  for (const { source, addresses } of bySource) {
    for (const a of addresses) {
      const family = familyOf(a.family);
      if (!family || LOOPBACK_ADDRESS.test(a.address) || a.interface === "lo") continue;
      const key = `${family}/${a.address.toLowerCase()}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        interface: a.interface,
        mac: a.mac,
        family,
        address: a.address,
        prefix: a.prefix,
        source,
        network: (a.mac && networkOf.get(a.mac)) ?? null,
      });
    }
  }
  return out.sort((x, y) => (x.family === y.family ? 0 : x.family === "ipv4" ? -1 : 1));
}

/** Whether a running domain's guest agent is connected (live XML), so `domifaddr --source agent` can answer. */
export function guestAgentConnected(d: DomainWire): boolean {
  return d.guestAgent?.state === "connected";
}

/**
 * A summary with the state and flags `virsh dominfo` just read (the rest from the inventory): what
 * an action checks against without re-reading the whole host, whose list waits on any domain
 * libvirt is busy destroying.
 */
export function vmSummaryWithInfo(s: VmSummary, info: DominfoWire): VmSummary {
  const active = isActive(info.state);
  return {
    ...s,
    state: info.state,
    cpuPercent: active ? s.cpuPercent : null,
    uptimeSeconds: active ? s.uptimeSeconds : null,
    autostart: info.autostart,
    hasManagedSave: info.hasManagedSave,
    allowedActions: vmAllowedActions(info.state, { ...info, template: s.template }),
  };
}

/** CPU use over the interval, as a share of the guest's vCPUs (100% = all vCPUs busy). */
export function cpuPercent(
  prev: { cpuNs: number; at: number },
  now: { cpuNs: number; at: number },
  vcpus: number,
): number | null {
  const elapsedNs = (now.at - prev.at) * 1e6;
  if (elapsedNs <= 0 || vcpus <= 0 || now.cpuNs < prev.cpuNs) return null;
  return Math.min(100, Math.round(((now.cpuNs - prev.cpuNs) / (elapsedNs * vcpus)) * 1000) / 10);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/** A console reachable from the network defeats the SSH tunnel: say so on the VM page. */
export function graphicsWarning(d: DomainWire): string | null {
  const m = graphicsWarningMessage(d);
  return m
    ? `${m.params.type} listens on ${m.params.address}: anyone who can reach the host on that address can open the console. Set its listen address to 127.0.0.1.`
    : null;
}

/** graphicsWarning as a key of the "vms" catalogue and its arguments, for the browser. */
export function graphicsWarningMessage(
  d: DomainWire,
): { key: string; params: { type: string; address: string } } | null {
  for (const g of d.graphics) {
    const addresses = [g.listen, ...g.listens.filter((l) => l.type === "address").map((l) => l.address)].filter(
      (a): a is string => typeof a === "string" && a.length > 0,
    );
    const exposed = addresses.find((a) => !LOOPBACK.test(a));
    if (exposed) {
      return { key: "detail.graphicsWarning", params: { type: g.type.toUpperCase(), address: exposed } };
    }
  }
  return null;
}

/** Fields whose persistent value can differ from the running one until the next boot. */
function hardwareShape(d: DomainWire) {
  return {
    vcpu: d.vcpu.max,
    memory: d.memoryKiB,
    disks: d.disks.map((x) => [
      x.device,
      x.target.dev,
      x.target.bus,
      x.source?.file ?? x.source?.dev ?? x.source?.volume ?? null,
    ]),
    nics: d.interfaces.map((x) => [x.mac, x.type, x.source?.network ?? x.source?.bridge ?? null, x.model ?? null]),
  };
}

export function toVmDetail(
  summary: VmSummary,
  live: DomainWire,
  inactive: DomainWire,
  xml: string,
  inactiveXml: string,
  stats: DomstatsWire | undefined,
): VmDetail {
  const capacity = new Map((stats?.blocks ?? []).map((b) => [b.name, b.capacity ?? null]));
  return {
    ...summary,
    description: live.description ?? "",
    domainType: live.type,
    osType: live.os.type,
    arch: live.os.arch ?? null,
    machine: live.os.machine ?? null,
    osinfoId: live.osinfoId ?? null,
    bootOrder: live.os.bootDevices,
    disks: live.disks.map((x) => ({
      device: x.device,
      target: x.target.dev,
      bus: x.target.bus ?? null,
      format: x.driver.format ?? null,
      source:
        x.source?.file ??
        x.source?.dev ??
        (x.source?.volume ? `${x.source.pool}/${x.source.volume}` : null) ??
        x.source?.name ??
        null,
      capacityBytes: capacity.get(x.target.dev) ?? null,
      readonly: x.readonly,
    })),
    nics: live.interfaces.map((x) => ({
      mac: x.mac ?? null,
      type: x.type,
      source: x.source?.network ?? x.source?.bridge ?? x.source?.dev ?? null,
      model: x.model ?? null,
    })),
    graphicsDevices: live.graphics.map((g) => ({
      type: g.type,
      port: g.port ?? null,
      autoport: g.autoport,
      listen: [g.listen, ...g.listens.map((l) => l.address ?? l.socket ?? l.network)].filter(
        (a, i, all): a is string => !!a && all.indexOf(a) === i,
      ),
    })),
    graphicsWarning: graphicsWarning(live),
    graphicsWarningMessage: graphicsWarningMessage(live),
    serials: live.serials.length,
    xml,
    inactiveXml,
    pendingChanges:
      isActive(summary.state) && JSON.stringify(hardwareShape(live)) !== JSON.stringify(hardwareShape(inactive)),
  };
}
