import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import { DomainUuidSchema, virshArgv, virshCommand, type VirshCommandInput } from "@/lib/hosts/virsh-command";
import { assertVirshOk } from "@/lib/hosts/virsh-session";
import { CommandFailedError } from "@/lib/hosts/errors";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { parseDomstats } from "@/lib/libvirt/domstats-parse";
import { hostGet, hostsList } from "@/lib/fleet/hosts";
import { virshMessage } from "@/lib/fleet/errors";
import { fleet, fleetHostFailure } from "@/lib/fleet/runtime";
import { inventoryGet, inventoryInvalidate } from "@/lib/fleet/inventory";
import { toVmDetail, VM_ACTIONS, type VmAction, type VmDetail, type VmSummary } from "@/lib/fleet/vm-view";
import type { VmState } from "@/lib/libvirt/vm-state";
import type { VmListResponse } from "@/lib/contracts/fleet";
import { visibilityHas, visibilityHosts, type Visibility } from "@/lib/authz";

export const VM_STATES = ["running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "nostate"] as const satisfies readonly VmState[];

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

/**
 * The fleet list: the inventory of every usable host the caller may see something
 * on, fetched in parallel, filtered to the VMs `visible` allows (lib/authz
 * visibility(), computed in SQL), then by the query, sorted and paginated.
 */
export async function fleetVms(q: FleetQuery, visible: Visibility): Promise<FleetPage> {
  const hostScope = visibilityHosts(visible);
  const hosts = (await hostsList(hostScope)).filter((h) => !q.host || h.id === q.host);
  const results = await Promise.all(
    hosts.map(async (h) => {
      if (!h.hostKeySha256 || h.status === "key_mismatch") {
        return { host: h, vms: [] as VmSummary[], error: h.status === "key_mismatch" ? "Host key changed: connections blocked" : "Host key not confirmed yet" };
      }
      try {
        return { host: h, vms: (await inventoryGet(h.id)).vms, error: null };
      } catch (err) {
        return { host: h, vms: [] as VmSummary[], error: err instanceof Error ? err.message : "Host failed to answer" };
      }
    }),
  );
  const needle = q.q?.trim().toLowerCase();
  let vms = results.flatMap((r) => (visible.all ? r.vms : r.vms.filter((v) => visibilityHas(visible, v.hostId, v.uuid))));
  if (q.state) vms = vms.filter((v) => v.state === q.state);
  if (needle) vms = vms.filter((v) => v.name.toLowerCase().includes(needle) || v.title.toLowerCase().includes(needle) || v.uuid.includes(needle));
  const cmp = SORT[q.sort];
  vms.sort((a, b) => (q.dir === "asc" ? 1 : -1) * (cmp(a, b) || collator.compare(a.name, b.name) || a.uuid.localeCompare(b.uuid)));
  const start = (q.page - 1) * q.pageSize;
  // Statuses as they are after this very round of contacts (a host may have come back or dropped).
  const status = new Map((await hostsList(hostScope)).map((h) => [h.id, h.status]));
  return {
    vms: vms.slice(start, start + q.pageSize),
    total: vms.length,
    page: q.page,
    pageSize: q.pageSize,
    hosts: results.map((r) => ({ id: r.host.id, name: r.host.name, status: status.get(r.host.id) ?? r.host.status, error: r.error })),
  };
}

function parseUuid(uuid: string): string {
  const r = DomainUuidSchema.safeParse(uuid);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data;
}

async function summaryOf(hostId: string, uuid: string, maxAgeMs?: number): Promise<VmSummary> {
  const inv = await inventoryGet(hostId, { maxAgeMs });
  const vm = inv.vms.find((v) => v.uuid === uuid);
  if (!vm) throw new AppError("not_found", "VM not found");
  return vm;
}

/** One VM with live and persistent XML, from one batched round trip. */
export async function vmDetail(hostId: string, rawUuid: string): Promise<VmDetail> {
  const uuid = parseUuid(rawUuid);
  const host = await hostGet(hostId);
  const summary = await summaryOf(host.id, uuid);
  const cmds = [
    virshCommand({ command: "dumpxml", args: [{ domain: uuid }] }),
    virshCommand({ command: "dumpxml", args: [{ domain: uuid }, { flag: "--inactive" }] }),
    virshCommand({ command: "domstats", args: [{ flag: "--raw" }, { flag: "--block" }, { domain: uuid }] }),
  ];
  try {
    const [live, inactive, stats] = await fleet().sessions.get(host.id, host.libvirtUri).batch(cmds);
    assertVirshOk(cmds[0], live);
    assertVirshOk(cmds[1], inactive);
    const statsWire = stats.ok ? parseDomstats(stats.stdout)[0] : undefined;
    return toVmDetail(summary, parseDomainXml(live.stdout), parseDomainXml(inactive.stdout), live.stdout, inactive.stdout, statsWire);
  } catch (err) {
    if (err instanceof CommandFailedError && /failed to get domain|Domain not found/i.test(err.stderr)) {
      throw new AppError("not_found", "VM not found");
    }
    throw await fleetHostFailure(host.id, host.name, err);
  }
}

export const VmActionSchema = z.object({ action: z.enum(VM_ACTIONS, { error: "Unknown action" }) }).strict();

const COMMANDS: Record<VmAction, (uuid: string) => VirshCommandInput> = {
  start: (u) => ({ command: "start", args: [{ domain: u }] }),
  shutdown: (u) => ({ command: "shutdown", args: [{ domain: u }] }),
  reboot: (u) => ({ command: "reboot", args: [{ domain: u }] }),
  destroy: (u) => ({ command: "destroy", args: [{ domain: u }] }),
  reset: (u) => ({ command: "reset", args: [{ domain: u }] }),
  suspend: (u) => ({ command: "suspend", args: [{ domain: u }] }),
  resume: (u) => ({ command: "resume", args: [{ domain: u }] }),
  managedsave: (u) => ({ command: "managedsave", args: [{ domain: u }] }),
  "managedsave-remove": (u) => ({ command: "managedsave-remove", args: [{ domain: u }] }),
  "autostart-on": (u) => ({ command: "autostart", args: [{ domain: u }] }),
  "autostart-off": (u) => ({ command: "autostart", args: [{ domain: u }, { flag: "--disable" }] }),
};

/**
 * A VM marked as a template is never started: its disks back linked clones. Checked against the
 * persistent definition itself, not only the cached inventory.
 */
async function templateGuard(
  hostId: string,
  uri: string,
  uuid: string,
  name: string,
  audit: (outcome: "failure", details: Record<string, unknown>) => Promise<void>,
): Promise<void> {
  const argv = virshCommand({ command: "dumpxml", args: [{ domain: uuid }, { flag: "--inactive" }] });
  const r = await fleet().sessions.get(hostId, uri).run(argv);
  if (r.ok && parseDomainXml(r.stdout).templateId !== undefined) {
    await audit("failure", { reason: "template" });
    throw new AppError("invalid_state", `${name} is a template: it is never started (deploy or clone it instead)`);
  }
}

/** Saving or restoring a guest's RAM can take minutes: those run as their own exec with a long timeout. */
const LONG: ReadonlySet<VmAction> = new Set(["start", "managedsave"]);

/**
 * Runs a lifecycle action after checking, against fresh state from the host,
 * that libvirt allows it. Failures carry virsh's own message.
 */
export async function vmActionRun(caller: Caller, hostId: string, rawUuid: string, action: VmAction): Promise<VmSummary> {
  const uuid = parseUuid(rawUuid);
  const host = await hostGet(hostId);
  const before = await summaryOf(host.id, uuid, 0);
  const audit = (outcome: "success" | "failure", details: Record<string, unknown> = {}) =>
    auditRecord({
      actor: caller.actor,
      action: `vm.${action}`,
      outcome,
      target: { type: "vm", id: `${host.id}/${uuid}`, name: before.name },
      ip: caller.ip,
      details: { host: host.name, stateBefore: before.state, ...details },
    });
  if (before.template && (action === "start" || action === "autostart-on")) {
    await audit("failure", { reason: "template" });
    throw new AppError("invalid_state", `${before.name} is a template: it is never started (deploy or clone it instead)`);
  }
  if (!before.allowedActions.includes(action)) {
    await audit("failure", { reason: "invalid_state" });
    throw new AppError("invalid_state", `Cannot ${action.replace("-", " ")} ${before.name} while it is ${before.state}`);
  }
  if (action === "start" || action === "autostart-on") await templateGuard(host.id, host.libvirtUri, uuid, before.name, audit);
  const cmd = COMMANDS[action](uuid);
  try {
    if (LONG.has(action)) {
      const transport = await fleet().pool.get(host.id);
      const r = await transport.run(virshArgv({ uri: host.libvirtUri, ...cmd }), { timeoutMs: 15 * 60_000 });
      if (r.code !== 0) throw new CommandFailedError(["virsh", cmd.command], r.code, r.stderr);
    } else {
      const argv = virshCommand(cmd);
      assertVirshOk(argv, await fleet().sessions.get(host.id, host.libvirtUri).run(argv));
    }
  } catch (err) {
    const message = err instanceof CommandFailedError ? virshMessage(err.stderr) : undefined;
    await audit("failure", { error: message ?? (err instanceof Error ? err.message : String(err)) });
    if (message) throw new AppError("action_failed", message);
    throw await fleetHostFailure(host.id, host.name, err);
  }
  await audit("success");
  inventoryInvalidate(host.id, [before.name]);
  // The action ran: a failed re-read afterwards must not report it as failed.
  const after = await summaryOf(host.id, uuid, 0).catch(() => before);
  fleet().bus.emit("vm", { hostId: host.id, uuid, vm: after });
  return after;
}
