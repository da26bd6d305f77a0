import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { auditRecordAfterFact } from "@/lib/audit/outbox";
import { databaseRequire } from "@/lib/db/client";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import type { HostClient } from "@/lib/hosts/client";
import { hostIsReady, virshMessage } from "@/lib/hosts/client-errors";
import {
  DOMAIN_NOT_FOUND,
  domainAddressesAgentRead,
  domainAddressesHostRead,
  domainDetailTry,
  domainInfoTry,
  domainLifecycleTry,
  domainXmlTry,
  type DomainVerb,
} from "@/lib/virt/domain";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { parseDomstats } from "@/lib/libvirt/domstats-parse";
import { parseDominfo } from "@/lib/libvirt/dominfo-parse";
import { hostGet, hostsList } from "@/lib/fleet/hosts";
import type { Caller } from "@/lib/authz/caller";
import { hostClientFor } from "@/lib/fleet/runtime";
import { eventsLive, eventsVmPublish } from "@/lib/fleet/events";
import {
  inventoryGet,
  inventoryLastKnown,
  inventoryInvalidate,
  inventoryVmKnown,
  inventoryVmRead,
} from "@/lib/fleet/inventory";
import {
  domainAddressesMerge,
  guestAgentConnected,
  toVmDetail,
  vmSummaryWithInfo,
  VM_ACTIONS,
  type VmAction,
  type VmDetail,
  type VmSummary,
} from "@/lib/fleet/vm-view";
import { isActive, vmStateFromText, VM_STATES } from "@/lib/libvirt/vm-state";
import type { DomainAddressWire } from "@/lib/libvirt/net-leases-parse";
import type { VmAddress, VmListResponse } from "@/lib/contracts/fleet";
import { visibilityHas, visibilityHosts, type Visibility } from "@/lib/authz";

export { VM_STATES };

export const FleetQuerySchema = z.object({
  host: z.uuid({ error: "Unknown host" }).optional(),
  state: z.enum(VM_STATES).optional(),
  q: z.string().max(200).optional(),
  sort: z.enum(["name", "host", "state", "vcpus", "memory", "cpu", "uptime"]).default("name"),
  dir: z.enum(["asc", "desc"]).default("asc"),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});

export type FleetQuery = z.infer<typeof FleetQuerySchema>;

export type FleetPage = VmListResponse;

const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

const SORT: Record<FleetQuery["sort"], (a: VmSummary, b: VmSummary) => number> = {
  name: (a, b) => collator.compare(a.name, b.name),
  host: (a, b) => collator.compare(a.hostName, b.hostName),
  state: (a, b) => a.state.localeCompare(b.state),
  vcpus: (a, b) => a.vcpus - b.vcpus,
  memory: (a, b) => a.memoryKiB - b.memoryKiB,
  cpu: (a, b) => (a.cpuPercent ?? -1) - (b.cpuPercent ?? -1),
  uptime: (a, b) => (a.uptimeSeconds ?? -1) - (b.uptimeSeconds ?? -1),
};

/** How long a list waits for a host's re-read before it may answer from the last one (inventoryGet `waitMs`). */
const LIST_WAIT_MS = 250;

/**
 * The fleet list: the inventory of every usable host the caller may see something
 * on, fetched in parallel, filtered to the VMs `visible` allows (lib/authz
 * visibility(), from the caller's grants), then by the query, sorted and paginated.
 */
export async function fleetVms(q: FleetQuery, visible: Visibility): Promise<FleetPage> {
  const hostScope = visibilityHosts(visible);
  const hosts = (await hostsList(hostScope)).filter((h) => !q.host || h.id === q.host);
  const results = await Promise.all(
    hosts.map(async (h) => {
      if (!hostIsReady(h)) {
        return {
          host: h,
          vms: [] as VmSummary[],
          error: h.status === "key_mismatch" ? "Host key changed: connections blocked" : "Host key not confirmed yet",
        };
      }
      try {
        const inv = await inventoryGet(h.id, { waitMs: LIST_WAIT_MS, host: h, keptByEvents: eventsLive(h.id) });
        return { host: h, vms: inv.vms, error: null };
      } catch (err) {
        return { host: h, vms: lastKnownVms(h.id), error: hostErrorText(h.name, err) };
      }
    }),
  );
  const needle = q.q?.trim().toLowerCase();
  let vms = results.flatMap((r) =>
    visible.all ? r.vms : r.vms.filter((v) => visibilityHas(visible, v.hostId, v.uuid)),
  );
  if (q.state) vms = vms.filter((v) => v.state === q.state);
  if (needle)
    vms = vms.filter(
      (v) =>
        v.name.toLowerCase().includes(needle) ||
        v.title.toLowerCase().includes(needle) ||
        v.uuid.includes(needle) ||
        v.addresses.some((a) => a.address.toLowerCase().includes(needle)),
    );
  const cmp = SORT[q.sort];
  vms.sort(
    (a, b) =>
      (q.dir === "asc" ? 1 : -1) * (cmp(a, b) || collator.compare(a.name, b.name) || a.uuid.localeCompare(b.uuid)),
  );
  const start = (q.page - 1) * q.pageSize;
  // Statuses as they are after this very round of contacts (a host may have come back or dropped):
  // read again only when a host failed or was not online before it answered.
  const changed = results.some((r) => r.error !== null || r.host.status !== "online");
  const status = new Map((changed ? await hostsList(hostScope) : hosts).map((h) => [h.id, h.status]));
  return {
    vms: vms.slice(start, start + q.pageSize),
    total: vms.length,
    page: q.page,
    pageSize: q.pageSize,
    hosts: results.map((r) => ({
      id: r.host.id,
      name: r.host.name,
      status: status.get(r.host.id) ?? r.host.status,
      error: r.error,
    })),
  };
}

/**
 * A host that does not answer keeps its VMs in the list as last read, with nothing to do on them (no actions, no
 * live figures); the host's entry in `hosts` carries the error, which the list shows beside them.
 */
function lastKnownVms(hostId: string): VmSummary[] {
  return (inventoryLastKnown(hostId)?.vms ?? []).map((v) => ({
    ...v,
    allowedActions: [],
    cpuPercent: null,
    uptimeSeconds: null,
  }));
}

/** The host's error without the host's name in front (the list names the host itself). */
function hostErrorText(hostName: string, err: unknown): string {
  const message = err instanceof Error ? err.message : "Host failed to answer";
  return message.startsWith(`${hostName}: `) ? message.slice(hostName.length + 2) : message;
}

function parseUuid(uuid: string): string {
  const r = DomainUuidSchema.safeParse(uuid);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

async function summaryOf(
  hostId: string,
  uuid: string,
  opts: { maxAgeMs?: number; waitMs?: number } = {},
): Promise<VmSummary> {
  const inv = await inventoryGet(hostId, opts);
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  return vm;
}

/**
 * One VM as it is now, for a check before acting: state and flags from its own `dominfo` (no
 * job, no other domain's lock), the rest (name, template mark) from the last inventory read. Not a
 * re-read of the whole host: its list waits while libvirt destroys any domain there, so concurrent
 * actions would wait for each other. A VM no inventory knows yet is read with the host.
 */
async function summaryNow(client: HostClient, hostId: string, uuid: string): Promise<VmSummary> {
  const info = await domainInfoTry({ host: client, uuid });
  if (!info.ok) {
    if (DOMAIN_NOT_FOUND.test(info.stderr)) throw new AppError("not_found", "VM not found");
    throw new AppError("host_error", `${client.host.name}: ${virshMessage(info.stderr)}`);
  }
  const known = inventoryVmKnown(hostId, uuid) ?? (await summaryOf(hostId, uuid, { maxAgeMs: 0 }));
  return vmSummaryWithInfo(known, parseDominfo(info.stdout));
}

/** One VM with live and persistent XML, from one batched round trip. */
export async function vmDetail(hostId: string, rawUuid: string): Promise<VmDetail> {
  const uuid = parseUuid(rawUuid);
  const host = await hostGet(hostId);
  const summary = await summaryOf(host.id, uuid);
  const client = hostClientFor(host, { commandErrorCode: "host_error" });
  const { live, inactive, stats, addresses } = await domainDetailTry({ host: client, uuid });
  for (const r of [live, inactive]) {
    if (r.ok) continue;
    if (DOMAIN_NOT_FOUND.test(r.stderr)) throw new AppError("not_found", "VM not found");
    throw new AppError("host_error", `${host.name}: ${virshMessage(r.stderr)}`);
  }
  const statsWire = stats.ok ? parseDomstats(stats.stdout)[0] : undefined;
  const liveWire = parseDomainXml(live.stdout);
  const agent = guestAgentConnected(liveWire) ? await domainAddressesAgentRead({ host: client, uuid }) : [];
  const detail = toVmDetail(
    summary,
    liveWire,
    parseDomainXml(inactive.stdout),
    live.stdout,
    inactive.stdout,
    statsWire,
  );
  return {
    ...detail,
    addresses: isActive(detail.state) ? merged(liveWire, { ...addresses, agent }) : [],
  };
}

/** Leases first (libvirt's own record), then what the guest agent says, then the host's ARP table. */
function merged(
  d: ReturnType<typeof parseDomainXml> | null,
  a: { lease: DomainAddressWire[]; agent: DomainAddressWire[]; arp: DomainAddressWire[] },
): VmAddress[] {
  return domainAddressesMerge(d, [
    { source: "lease", addresses: a.lease },
    { source: "agent", addresses: a.agent },
    { source: "arp", addresses: a.arp },
  ]);
}

export interface VmAddresses {
  addresses: VmAddress[];
  agentConnected: boolean;
  running: boolean;
}

/**
 * A VM's addresses now, from every source libvirt has: the DHCP leases of its networks and the host's
 * ARP table (one round trip on the host's session), and the guest agent when its channel is connected
 * (its own exec, so a silent agent holds up nothing else). Empty while the VM is not running.
 */
export async function vmAddresses(hostId: string, rawUuid: string): Promise<VmAddresses> {
  const uuid = parseUuid(rawUuid);
  const host = await hostGet(hostId);
  const client = hostClientFor(host, { commandErrorCode: "host_error" });
  const r = await domainAddressesHostRead({ host: client, uuid });
  for (const x of [r.state, r.xml]) {
    if (x.ok) continue;
    if (DOMAIN_NOT_FOUND.test(x.stderr)) throw new AppError("not_found", "VM not found");
    throw new AppError("host_error", `${host.name}: ${virshMessage(x.stderr)}`);
  }
  const running = isActive(vmStateFromText(r.state.stdout));
  if (!running) return { addresses: [], agentConnected: false, running };
  const wire = parseDomainXml(r.xml.stdout);
  const agentConnected = guestAgentConnected(wire);
  const agent = agentConnected ? await domainAddressesAgentRead({ host: client, uuid }) : [];
  return { addresses: merged(wire, { lease: r.lease, arp: r.arp, agent }), agentConnected, running };
}

export const VmActionSchema = z.object({ action: z.enum(VM_ACTIONS, { error: "Unknown action" }) }).strict();

/** Each action's virsh verb (lib/virt/domain.ts runs slow ones on the host's slow-verb sessions). */
const COMMANDS: Record<VmAction, { verb: DomainVerb; flags?: string[] }> = {
  start: { verb: "start" },
  shutdown: { verb: "shutdown" },
  reboot: { verb: "reboot" },
  destroy: { verb: "destroy" },
  reset: { verb: "reset" },
  suspend: { verb: "suspend" },
  resume: { verb: "resume" },
  managedsave: { verb: "managedsave" },
  "managedsave-remove": { verb: "managedsave-remove" },
  "autostart-on": { verb: "autostart" },
  "autostart-off": { verb: "autostart", flags: ["--disable"] },
};

/**
 * A VM marked as a template is never started: its disks back linked clones. Checked against the
 * persistent definition itself, not only the cached inventory.
 */
async function templateGuard(
  host: HostClient,
  uuid: string,
  name: string,
  audit: (outcome: "failure", details: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const [r] = await domainXmlTry({ host, items: [{ uuid, inactive: true }] });
  if (r.ok && parseDomainXml(r.stdout).templateId !== undefined) {
    await audit("failure", { reason: "template" });
    throw new AppError("invalid_state", `${name} is a template: it is never started (deploy or clone it instead)`);
  }
}

/**
 * Runs a lifecycle action after checking, against fresh state from the host,
 * that libvirt allows it. Failures carry virsh's own message.
 */
export async function vmActionRun(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  action: VmAction,
): Promise<VmSummary> {
  const uuid = parseUuid(rawUuid);
  const host = await hostGet(hostId);
  const client = hostClientFor(host, { commandErrorCode: "host_error" });
  const before = await summaryNow(client, host.id, uuid);
  // Recorded even when the database dropped meanwhile (kept until it is back): the action's answer stands.
  const audit = async (outcome: "success" | "failure", details: Record<string, unknown> = {}) => {
    await auditRecordAfterFact({
      actor: caller.actor,
      action: `vm.${action}`,
      outcome,
      target: { type: "vm", id: `${host.id}/${uuid}`, name: before.name },
      ip: caller.ip,
      details: { host: host.name, stateBefore: before.state, ...details },
    });
  };
  if (before.template && (action === "start" || action === "autostart-on")) {
    await audit("failure", { reason: "template" });
    throw new AppError(
      "invalid_state",
      `${before.name} is a template: it is never started (deploy or clone it instead)`,
    );
  }
  if (!before.allowedActions.includes(action)) {
    await audit("failure", { reason: "invalid_state" });
    throw new AppError(
      "invalid_state",
      `Cannot ${action.replace("-", " ")} ${before.name} while it is ${before.state}`,
    );
  }
  if (action === "start" || action === "autostart-on") await templateGuard(client, uuid, before.name, audit);
  await databaseRequire(`${action} of ${before.name}`);
  const r = await domainLifecycleTry({ host: client, uuid, ...COMMANDS[action] }).catch(async (err: unknown) => {
    await audit("failure", { error: err instanceof Error ? err.message : String(err) });
    throw err;
  });
  if (!r.ok) {
    const message = virshMessage(r.stderr);
    await audit("failure", { error: message });
    throw new AppError("action_failed", message);
  }
  await audit("success");
  // The action ran: a failed re-read afterwards must not report it as failed. Read on its own, so
  // the answer never waits for what libvirt does with other domains of the host.
  const after = await inventoryVmRead(host.id, uuid).catch(() => undefined);
  if (after === undefined) inventoryInvalidate(host.id, [before.name]);
  eventsVmPublish(host.id, uuid, after === undefined ? before : after);
  return after ?? before;
}
