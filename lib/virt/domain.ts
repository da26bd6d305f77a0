import "server-only";
import { AppError } from "@/lib/http/errors";
import type { EarlyVirsh, HostClient, VirshResult } from "@/lib/hosts/client";
import { virshMessage } from "@/lib/hosts/client-errors";
import type { VirshCommandInput } from "@/lib/hosts/virsh-command";
import { virshVerbKind } from "@/lib/hosts/virsh-verbs";
import { virshNames, virshUuids } from "@/lib/libvirt/names-parse";
import { vmStateFromText, type VmState } from "@/lib/libvirt/vm-state";
import {
  parseDomIfAddr,
  parseNetDhcpLeases,
  type DomainAddressWire,
  type LeaseWire,
} from "@/lib/libvirt/net-leases-parse";

/**
 * Domains (VMs): XML, state, lists, lifecycle verbs, define/undefine, device updates, screenshots.
 * Domains are always addressed by UUID. https://libvirt.org/formatdomain.html
 */

type Host = { host: HostClient };

/** virsh's answer for a domain that does not exist (any more). */
export const DOMAIN_NOT_FOUND = /failed to get domain|Domain not found/i;

const dumpxml = (uuid: string, inactive?: boolean): VirshCommandInput => ({
  command: "dumpxml",
  args: [{ domain: uuid }, ...(inactive ? [{ flag: "--inactive" }] : [])],
});

/** `dumpxml` (live, or persistent with `inactive`); throws when virsh refuses. */
export async function domainXmlGet({
  host,
  uuid,
  inactive,
}: Host & { uuid: string; inactive?: boolean }): Promise<string> {
  const [xml] = await host.virsh(dumpxml(uuid, inactive));
  return xml;
}

/** Several `dumpxml` in one batch, raw results in order (ok=false for a domain gone meanwhile). */
export async function domainXmlTry({
  host,
  items,
}: Host & { items: readonly { uuid: string; inactive?: boolean }[] }): Promise<VirshResult[]> {
  if (!items.length) return [];
  return host.virshTry(...items.map((i) => dumpxml(i.uuid, i.inactive)));
}

/** Sources of `domifaddr` read on the host's session: both answer from the host, never wait on the guest. */
export type HostAddressSource = "lease" | "arp";

const domifaddr = (uuid: string, source: HostAddressSource | "agent"): VirshCommandInput => ({
  command: "domifaddr",
  args: [{ domain: uuid }, { option: "--source", value: source }],
});

/** A `domifaddr` answer: the addresses, or [] where virsh refused (domain not running, no agent). */
const addressesOf = (r: VirshResult): DomainAddressWire[] => (r.ok ? parseDomIfAddr(r.stdout) : []);

/**
 * Live XML, persistent XML, block stats and the addresses the host knows (DHCP leases, ARP) of one
 * domain in one round trip, raw except for the addresses.
 */
export async function domainDetailTry({ host, uuid }: Host & { uuid: string }): Promise<{
  live: VirshResult;
  inactive: VirshResult;
  stats: VirshResult;
  addresses: Record<HostAddressSource, DomainAddressWire[]>;
}> {
  const [live, inactive, stats, lease, arp] = await host.virshTry(
    dumpxml(uuid),
    dumpxml(uuid, true),
    { command: "domstats", args: [{ flag: "--raw" }, { flag: "--block" }, { domain: uuid }] },
    domifaddr(uuid, "lease"),
    domifaddr(uuid, "arp"),
  );
  return { live, inactive, stats, addresses: { lease: addressesOf(lease), arp: addressesOf(arp) } };
}

/** The addresses the host knows of a domain (DHCP leases of its networks, the ARP table), in one round trip. */
export async function domainAddressesHostRead({
  host,
  uuid,
}: Host & { uuid: string }): Promise<
  { state: VirshResult; xml: VirshResult } & Record<HostAddressSource, DomainAddressWire[]>
> {
  const [state, xml, lease, arp] = await host.virshTry(
    { command: "domstate", args: [{ domain: uuid }] },
    dumpxml(uuid),
    domifaddr(uuid, "lease"),
    domifaddr(uuid, "arp"),
  );
  return { state, xml, lease: addressesOf(lease), arp: addressesOf(arp) };
}

/** How long the guest agent may take to list its interfaces (libvirt itself gives up on a silent agent). */
const AGENT_TIMEOUT_MS = 15_000;

/**
 * The guest's own view of its addresses through the QEMU guest agent (`domifaddr --source agent`).
 * A one-shot exec, never the host's session: an agent that is slow to answer must not hold up the
 * host's other reads. [] when the agent does not answer.
 */
export async function domainAddressesAgentRead({ host, uuid }: Host & { uuid: string }): Promise<DomainAddressWire[]> {
  const r = await host.virshExecTry(domifaddr(uuid, "agent"), { timeoutMs: AGENT_TIMEOUT_MS }).catch(() => null);
  return r ? addressesOf(r) : [];
}

/** State and live XML in one round trip, raw. */
export async function domainStateAndXmlTry({
  host,
  uuid,
}: Host & { uuid: string }): Promise<{ state: VirshResult; xml: VirshResult }> {
  const [state, xml] = await host.virshTry({ command: "domstate", args: [{ domain: uuid }] }, dumpxml(uuid));
  return { state, xml };
}

/** The domain's state now, or null when virsh cannot tell (unknown domain). */
export async function domainStateGet({ host, uuid }: Host & { uuid: string }): Promise<VmState | null> {
  const [r] = await host.virshTry({ command: "domstate", args: [{ domain: uuid }] });
  return r.ok ? vmStateFromText(r.stdout) : null;
}

/** `domstate` text ("shut off", "running"...), or null. */
export async function domainStateText({ host, uuid }: Host & { uuid: string }): Promise<string | null> {
  const [r] = await host.virshTry({ command: "domstate", args: [{ domain: uuid }] });
  return r.ok ? r.stdout.trim() : null;
}

export type DomainListFilter = "--autostart" | "--with-managed-save" | "--transient" | "--with-snapshot";

/** UUIDs of every domain (active or not), narrowed by `filter`. */
export async function domainUuids({ host, filter }: Host & { filter?: DomainListFilter }): Promise<string[]> {
  const [out] = await host.virsh({
    command: "list",
    args: [{ flag: "--all" }, ...(filter ? [{ flag: filter }] : []), { flag: "--uuid" }],
  });
  return virshUuids(out);
}

/** Names of every domain (active or not). */
export async function domainNames({ host }: Host): Promise<string[]> {
  const [out] = await host.virsh({ command: "list", args: [{ flag: "--all" }, { flag: "--name" }] });
  return virshNames(out);
}

/** `dominfo` raw (ok=false when the domain does not exist). */
export async function domainInfoTry({ host, uuid }: Host & { uuid: string }): Promise<VirshResult> {
  const [r] = await host.virshTry({ command: "dominfo", args: [{ domain: uuid }] });
  return r;
}

export type DomainVerb =
  | "start"
  | "shutdown"
  | "reboot"
  | "destroy"
  | "reset"
  | "suspend"
  | "resume"
  | "managedsave"
  | "managedsave-remove"
  | "autostart";

/**
 * A lifecycle verb, raw result. Slow verbs (start, managedsave: guest RAM restored or saved; destroy:
 * libvirt waits for QEMU to exit) run on the host's slow-verb sessions with a long timeout, so they
 * never hold up the read sessions or each other; the others on a read session.
 */
export async function domainLifecycleTry({
  host,
  uuid,
  verb,
  flags = [],
}: Host & { uuid: string; verb: DomainVerb; flags?: readonly string[] }): Promise<VirshResult> {
  const cmd: VirshCommandInput = { command: verb, args: [{ domain: uuid }, ...flags.map((flag) => ({ flag }))] };
  if (virshVerbKind(verb) === "slow") return host.virshSlowTry(cmd);
  const [r] = await host.virshTry(cmd);
  return r;
}

/** A lifecycle verb on the session; throws when virsh refuses. */
export async function domainLifecycle({
  host,
  uuid,
  verb,
  flags = [],
}: Host & { uuid: string; verb: DomainVerb; flags?: readonly string[] }): Promise<void> {
  await host.virsh({ command: verb, args: [{ domain: uuid }, ...flags.map((flag) => ({ flag }))] });
}

/** `define` from XML on stdin (one-shot: the XML never is on a command line). */
export async function domainDefine({
  host,
  xml,
  timeoutMs,
}: Host & { xml: string; timeoutMs?: number }): Promise<void> {
  await host.virshExec({ command: "define", args: [{ arg: "/dev/stdin" }] }, { stdin: xml, timeoutMs });
}

/** `define` started now, its XML fed later (overlaps the SSH exec with other work). */
export function domainDefineEarly({ host }: Host): EarlyVirsh {
  return host.virshExecEarly({ command: "define", args: [{ arg: "/dev/stdin" }] });
}

/** `undefine` with the given flags, raw result (never throws on a virsh error). */
export async function domainUndefineTry({
  host,
  uuid,
  flags = [],
}: Host & { uuid: string; flags?: readonly string[] }): Promise<VirshResult> {
  const [r] = await host.virshTry({
    command: "undefine",
    args: [{ domain: uuid }, ...flags.map((flag) => ({ flag }))],
  });
  return r;
}

/** `update-device --live` with the device XML on stdin (it may carry a display password). */
export async function domainDeviceUpdateLiveTry({
  host,
  uuid,
  xml,
}: Host & { uuid: string; xml: string }): Promise<VirshResult> {
  return host.virshExecTry(
    { command: "update-device", args: [{ domain: uuid }, { arg: "/dev/stdin" }, { flag: "--live" }] },
    { stdin: xml, timeoutMs: 20_000 },
  );
}

/** `screenshot` to stdout on its own channel: PNG bytes on the stream, errors on its stderr. */
export function domainScreenshotStream({ host, uuid }: Host & { uuid: string }) {
  return host.virshStream({ command: "screenshot", args: [{ domain: uuid }, { arg: "/dev/stdout" }] });
}

/** What a host's inventory reads on each refresh: four UUID lists and the summary stats. */
export interface DomainInventoryRaw {
  all: string[];
  autostart: string[];
  managedSave: string[];
  transient: string[];
  /** `domstats --raw` of the groups a summary uses (state, cpu-total, balloon, vcpu). */
  stats: string;
  /** DHCP leases of the networks asked for; null where virsh refused. */
  leases: Map<string, LeaseWire[] | null>;
}

/**
 * Only the stat groups a summary uses: all groups cost ~3x as much on a large host. `--nowait`: a
 * domain libvirt is busy with (a start waiting on QEMU) gives its state without the stats that need
 * its job, instead of holding the whole read (and every list) until the job ends.
 */
const INVENTORY_STATS_FLAGS = ["--raw", "--state", "--cpu-total", "--balloon", "--vcpu", "--nowait"];

const INVENTORY: VirshCommandInput[] = [
  { command: "list", args: [{ flag: "--all" }, { flag: "--uuid" }] },
  { command: "list", args: [{ flag: "--all" }, { flag: "--autostart" }, { flag: "--uuid" }] },
  { command: "list", args: [{ flag: "--all" }, { flag: "--with-managed-save" }, { flag: "--uuid" }] },
  { command: "list", args: [{ flag: "--transient" }, { flag: "--uuid" }] },
  { command: "domstats", args: INVENTORY_STATS_FLAGS.map((flag) => ({ flag })) },
];

/**
 * The inventory lists and stats in one pipelined batch, with the DHCP leases of `leaseNetworks` (the
 * networks the host's guests were on at the last read); throws when virsh refuses a list. A network
 * virsh refuses (inactive, gone, without DHCP) has null leases.
 */
export async function domainInventoryRead({
  host,
  leaseNetworks = [],
}: Host & { leaseNetworks?: readonly string[] }): Promise<DomainInventoryRaw> {
  const batch = await host.virshTry(
    ...INVENTORY,
    ...leaseNetworks.map((n) => ({ command: "net-dhcp-leases" as const, args: [{ arg: n }] })),
  );
  const results = batch.slice(0, INVENTORY.length);
  const leases = new Map<string, LeaseWire[] | null>(
    leaseNetworks.map((n, i) => {
      const r = batch[INVENTORY.length + i]!;
      return [n, r.ok ? parseNetDhcpLeases(r.stdout) : null];
    }),
  );
  // domstats over all domains fails as a whole when one guest's QEMU is exiting at that moment
  // ("Unable to read from monitor"); that guest is gone a moment later, so ask again.
  for (let attempt = 0; attempt < 3 && !results[4].ok; attempt++) {
    await new Promise((r) => setTimeout(r, 250));
    [results[4]] = await host.virshTry(INVENTORY[4]);
  }
  const bad = results.find((r) => !r.ok);
  if (bad) throw new AppError("host_error", `${host.host.name}: ${virshMessage(bad.stderr)}`);
  const [all, autostart, managedSave, transient] = results.slice(0, 4).map((r) => virshUuids(r.stdout));
  return { all, autostart, managedSave, transient, stats: results[4].stdout, leases };
}

/** What a summary of one domain needs, in one round trip, raw: `dominfo`, live XML and its stats (see INVENTORY). */
export async function domainSummaryReadTry({
  host,
  uuid,
}: Host & { uuid: string }): Promise<{ info: VirshResult; xml: VirshResult; stats: VirshResult }> {
  const [info, xml, stats] = await host.virshTry({ command: "dominfo", args: [{ domain: uuid }] }, dumpxml(uuid), {
    command: "domstats",
    args: [...INVENTORY_STATS_FLAGS.map((flag) => ({ flag })), { domain: uuid }],
  });
  return { info, xml, stats };
}
