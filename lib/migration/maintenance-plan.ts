import "server-only";
import { authorize } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { db } from "@/lib/db/client";
import { hostGet, hostsList } from "@/lib/fleet/hosts";
import { inventoryGet } from "@/lib/fleet/inventory";
import { availableKiB, parseNodeMemStats } from "@/lib/libvirt/nodememstats-parse";
import { provHost } from "@/lib/provisioning/host-access";
import type { MaintenancePlan, MaintenancePlanVm } from "@/lib/contracts/maintenance";
import type { PreflightReport } from "./preflight";
import { migrationPreflight } from "./service";
import { destinationsRanked, vmRunning, type Destination } from "./maintenance-rules";

/**
 * The maintenance plan of a host: for each VM on it, the destination with the most free memory
 * (after the guests planned before it) among the hosts the caller may create VMs on and that are
 * not in maintenance, checked with the migration pre-flight; when that check fails the next host
 * is tried. Running VMs move live; shut-off ones are left unless the operator chooses to move them.
 * Read-only: nothing moves.
 */

/** Pre-flight reports per VM at most (each reads both hosts): the plan stays quick on a big fleet. */
const TRIES = 3;

/** Hosts the caller may create VMs on, other than `hostId` and not in maintenance, most free memory first. */
export async function maintenanceDestinations(caller: Caller, hostId: string): Promise<Destination[]> {
  const hosts = (await hostsList()).filter((h) => h.id !== hostId && !h.maintenanceSince && h.hostKeySha256);
  const allowed = await Promise.all(hosts.map((h) => authorize(caller.principal, "vm.create", { hostId: h.id })));
  const out = await Promise.all(
    hosts
      .filter((_, n) => allowed[n])
      .map(async (h) => {
        try {
          const [mem] = await (await provHost(h.id)).virsh({ command: "nodememstats" });
          return { id: h.id, name: h.name, availableKiB: availableKiB(parseNodeMemStats(mem)) };
        } catch {
          return { id: h.id, name: h.name, availableKiB: null };
        }
      }),
  );
  return destinationsRanked(out, new Map(out.map((d) => [d.id, d.availableKiB ?? -1])));
}

/** The first destination (most free memory left) whose pre-flight passes; else the best one with its failing report. */
async function proposal(
  hostId: string,
  uuid: string,
  dests: Destination[],
  budget: Map<string, number>,
): Promise<{ destHostId: string | null; preflight: PreflightReport | null }> {
  const ranked = destinationsRanked(dests, budget).slice(0, TRIES);
  let first: { destHostId: string; preflight: PreflightReport } | null = null;
  for (const d of ranked) {
    const report = await migrationPreflight(hostId, uuid, d.id);
    if (report.ok) return { destHostId: d.id, preflight: report };
    first ??= { destHostId: d.id, preflight: report };
  }
  return first ?? { destHostId: null, preflight: null };
}

export async function maintenancePlan(caller: Caller, hostId: string): Promise<MaintenancePlan> {
  const host = await hostGet(hostId);
  await provHost(hostId); // host_not_ready (409) before its key is pinned
  const [inv, dests, evacuated] = await Promise.all([
    inventoryGet(hostId, { maxAgeMs: 0 }),
    maintenanceDestinations(caller, hostId),
    maintenanceEvacuated(hostId),
  ]);
  const budget = new Map(dests.map((d) => [d.id, d.availableKiB ?? 0]));
  const vms: MaintenancePlanVm[] = [];
  // Biggest running guests first: they are the hardest to place.
  const ordered = [...inv.vms].sort(
    (a, b) => Number(vmRunning(b.state)) - Number(vmRunning(a.state)) || b.memoryKiB - a.memoryKiB,
  );
  for (const vm of ordered) {
    const running = vmRunning(vm.state);
    const allowed = await authorize(caller.principal, "vm.migrate", { hostId, vmUuid: vm.uuid });
    const p = allowed ? await proposal(hostId, vm.uuid, dests, budget) : { destHostId: null, preflight: null };
    if (running && p.destHostId) budget.set(p.destHostId, (budget.get(p.destHostId) ?? 0) - vm.memoryKiB);
    vms.push({
      uuid: vm.uuid,
      name: vm.name,
      state: vm.state,
      running,
      memoryMiB: Math.round(vm.memoryKiB / 1024),
      allowed,
      action: running ? "migrate" : "leave",
      destHostId: p.destHostId,
      preflight: p.preflight,
    });
  }
  return {
    hostId,
    maintenanceSince: host.maintenanceSince,
    destinations: dests.map((d) => ({
      id: d.id,
      name: d.name,
      availableMiB: d.availableKiB === null ? null : Math.round(d.availableKiB / 1024),
    })),
    vms: vms.sort((a, b) => a.name.localeCompare(b.name)),
    evacuated,
  };
}

/** What evacuations moved off this host and has not come back yet. */
export async function maintenanceEvacuated(hostId: string): Promise<MaintenancePlan["evacuated"]> {
  const rows = await db().hostEvacuation.findMany({ where: { sourceHostId: hostId }, orderBy: { createdAt: "asc" } });
  const names = new Map((await hostsList()).map((h) => [h.id, h.name]));
  return rows.map((r) => ({
    uuid: r.vmUuid,
    name: r.vmName,
    destHostId: r.destHostId,
    destHostName: names.get(r.destHostId) ?? null,
    mode: r.mode,
    at: r.createdAt.toISOString(),
  }));
}
