import "server-only";
import { authorizeOrThrow, type DeniedRequest } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { auditBy } from "@/lib/audit/audit";
import { db } from "@/lib/db/client";
import { hostGet } from "@/lib/fleet/hosts";
import { hostMaintenanceSet } from "@/lib/fleet/host-maintenance";
import { inventoryGet } from "@/lib/fleet/inventory";
import { AppError, isAppError, type FieldIssue } from "@/lib/http/errors";
import { hostPrivilegeRequire } from "@/lib/provisioning/resource-access";
import { taskEnqueue } from "@/lib/tasks/tasks";
import type { HostEvacuateInput } from "@/lib/contracts/maintenance";
import type { HostView } from "@/lib/contracts/fleet";
import { planShapeIssues, vmRunning } from "./maintenance-rules";
import { TASK_KIND_EVACUATE, TASK_KIND_RETURN, type MaintenanceMove } from "./maintenance-tasks";

/**
 * Host maintenance: evacuate (one host.evacuate task that marks the host and moves the planned VMs
 * one by one over the migration code path), return (host.return: the evacuated VMs come back, then
 * maintenance ends) and leave (maintenance ends, the VMs stay where they are). The caller holds
 * host.manage on the host (the route checks it); each VM moved needs what a single migration needs:
 * vm.migrate on the VM and vm.create on its destination. Every action is audited.
 */

const DEST_DENIED = "Migrating puts a VM on the destination: you need the right to create VMs there";

function invalid(issues: FieldIssue[]): AppError {
  return new AppError("invalid_input", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
}

/** Destinations that exist and are not in maintenance, by id. */
async function planDestinations(input: HostEvacuateInput, issues: FieldIssue[]): Promise<Map<string, HostView>> {
  const hosts = new Map<string, HostView>();
  for (const [n, e] of input.vms.entries()) {
    if (e.action !== "migrate" || !e.destHostId) continue;
    let dest = hosts.get(e.destHostId);
    if (!dest) {
      try {
        dest = await hostGet(e.destHostId);
        hosts.set(dest.id, dest);
      } catch (err) {
        if (!isAppError(err) || err.code !== "not_found") throw err;
        issues.push({ path: `vms.${n}.destHostId`, message: "Unknown host" });
        continue;
      }
    }
    if (dest.maintenanceSince)
      issues.push({ path: `vms.${n}.destHostId`, message: `${dest.name} is in maintenance: it takes no VMs` });
  }
  return hosts;
}

/**
 * Checks the edited plan and queues the evacuation: 202 with the task id. A running VM listed must
 * move (it cannot stay on a host in maintenance); VMs not listed are not touched (the page sends
 * every VM of the plan). Unknown VMs, missing or wrong destinations are 422 naming the entry's field.
 */
export async function hostEvacuate(
  caller: Caller,
  hostId: string,
  input: HostEvacuateInput,
  request: DeniedRequest,
): Promise<{ taskId: string }> {
  const host = await hostGet(hostId);
  const issues = planShapeIssues(hostId, input);
  const dests = await planDestinations(input, issues);
  // What is wrong without asking the host is answered without asking it.
  if (issues.length) throw invalid(issues);
  const inv = await inventoryGet(hostId, { maxAgeMs: 0 });
  const vms = new Map(inv.vms.map((v) => [v.uuid, v]));
  input.vms.forEach((e, n) => {
    const vm = vms.get(e.uuid);
    if (!vm) issues.push({ path: `vms.${n}.uuid`, message: `No such VM on ${host.name}` });
    else if (e.action === "leave" && vmRunning(vm.state))
      issues.push({ path: `vms.${n}.action`, message: `${vm.name} runs: it must move` });
  });
  if (issues.length) throw invalid(issues);

  const moves: MaintenanceMove[] = [];
  for (const e of input.vms) {
    if (e.action !== "migrate") continue;
    await authorizeOrThrow(caller.principal, "vm.migrate", { hostId, vmUuid: e.uuid }, request);
    await hostPrivilegeRequire(caller.principal, "vm.create", e.destHostId!, DEST_DENIED, request);
    moves.push({ uuid: e.uuid, name: vms.get(e.uuid)!.name, destHostId: e.destHostId! });
  }
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_EVACUATE,
    title: `Evacuate ${host.name} (${moves.length} VMs)`,
    titleMessage: { key: "titles.hostEvacuate", params: { host: host.name, count: moves.length } },
    hostId,
    input: { hostId, moves, actor: caller.actor, ip: caller.ip ?? null },
  });
  await auditBy(caller, {
    action: "host.evacuate",
    target: { type: "host", id: hostId, name: host.name },
    details: {
      taskId: task.id,
      moves: moves.map((m) => ({ vm: m.name, uuid: m.uuid, destination: dests.get(m.destHostId)?.name })),
      left: input.vms.filter((e) => e.action === "leave").map((e) => vms.get(e.uuid)?.name),
    },
  });
  return { taskId: task.id };
}

/** Queues the return of the VMs evacuated from this host (then maintenance ends): 202 with the task id. */
export async function hostReturn(caller: Caller, hostId: string, request: DeniedRequest): Promise<{ taskId: string }> {
  const host = await hostGet(hostId);
  const rows = await db().hostEvacuation.findMany({ where: { sourceHostId: hostId }, orderBy: { createdAt: "asc" } });
  if (!host.maintenanceSince && rows.length === 0)
    throw new AppError("invalid_state", `${host.name} is not in maintenance`);
  if (rows.length) await hostPrivilegeRequire(caller.principal, "vm.create", hostId, DEST_DENIED, request);
  for (const r of rows)
    await authorizeOrThrow(caller.principal, "vm.migrate", { hostId: r.destHostId, vmUuid: r.vmUuid }, request);
  const moves: MaintenanceMove[] = rows.map((r) => ({ uuid: r.vmUuid, name: r.vmName, destHostId: r.destHostId }));
  const task = await taskEnqueue(caller, {
    kind: TASK_KIND_RETURN,
    title: `Return ${moves.length} VMs to ${host.name}`,
    titleMessage: { key: "titles.hostReturn", params: { host: host.name, count: moves.length } },
    hostId,
    input: { hostId, moves, actor: caller.actor, ip: caller.ip ?? null },
  });
  await auditBy(caller, {
    action: "host.return",
    target: { type: "host", id: hostId, name: host.name },
    details: { taskId: task.id, vms: moves.map((m) => m.name) },
  });
  return { taskId: task.id };
}

/** Ends maintenance without bringing VMs back: the evacuation records are dropped. Idempotent. */
export async function hostMaintenanceLeave(caller: Caller, hostId: string): Promise<HostView> {
  const host = await hostGet(hostId);
  const rows = await db().hostEvacuation.findMany({ where: { sourceHostId: hostId } });
  const changed = await hostMaintenanceSet(hostId, null);
  await db().hostEvacuation.deleteMany({ where: { sourceHostId: hostId } });
  if (changed || rows.length)
    await auditBy(caller, {
      action: "host.maintenance.leave",
      target: { type: "host", id: hostId, name: host.name },
      details: { forgotten: rows.map((r) => r.vmName) },
    });
  return hostGet(hostId);
}
