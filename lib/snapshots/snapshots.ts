import "server-only";
import { z } from "zod";
import { authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import {
  SnapshotCreateSchema,
  SnapshotDeleteModeSchema,
  SnapshotEditSchema,
  SnapshotRevertSchema,
  type SnapshotCapabilities,
  type SnapshotCreateInput,
  type SnapshotDeleteMode,
  type SnapshotEdit,
  type SnapshotRevert,
  type SnapshotView,
} from "@/lib/contracts/snapshot";
import { virshMessage } from "@/lib/hosts/client-errors";
import { AppError, fromZodError } from "@/lib/http/errors";
import { snapshotXmlEdit, type SnapshotWire } from "@/lib/libvirt/snapshot-xml";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { snapshotDelete, snapshotRedefine, snapshotXmlGet } from "@/lib/virt/snapshot";
import {
  createPlan,
  deleteRefusal,
  externalRefusal,
  externalRevertSupported,
  internalRefusal,
  renameRefusal,
  revertRefusal,
  snapshotViews,
} from "./plan";
import { scheduledSnapshotNames } from "./made-by";
import "./snapshot-tasks";
import {
  SNAPSHOT_CREATE_KIND,
  SNAPSHOT_DELETE_KIND,
  SNAPSHOT_REVERT_KIND,
  auditor,
  snapshotNameOf,
  snapshotVmRead,
  type SnapshotVm,
} from "./vm";

export { snapshotNameOf, snapshotVmRead, SNAPSHOT_CREATE_KIND, SNAPSHOT_DELETE_KIND, SNAPSHOT_REVERT_KIND };

/**
 * Snapshots of a VM: the tree (vm.view), and create, revert, delete, edit (vm.snapshot on the VM).
 * Requests are checked here before anything reaches the host (refusals name the reason and what to
 * do instead, lib/snapshots/plan.ts); create, revert and delete then run as tasks on the queue, which
 * check again at run time. Every change is audited (action `vm.snapshot.<verb>`).
 */

function capabilities(vm: SnapshotVm): SnapshotCapabilities {
  return {
    vmState: vm.state,
    internalRefusal: internalRefusal(vm.facts, vm.snapshots),
    externalRefusal: externalRefusal(vm.facts),
    guestAgent: vm.facts.agentConnected,
    externalRevert: externalRevertSupported(vm.version),
    libvirtVersion: vm.version?.text ?? null,
  };
}

async function viewsOf(hostId: string, vm: SnapshotVm): Promise<SnapshotView[]> {
  return snapshotViews(vm.snapshots, vm.current, await scheduledSnapshotNames(hostId, vm.uuid));
}

/** The snapshot tree of a VM and what may be taken now (vm.view on the VM). */
export async function snapshotsOf(caller: Caller, hostId: string, rawUuid: string) {
  await authorizeOrThrow(caller.principal, "vm.view", { hostId, vmUuid: rawUuid });
  const vm = await snapshotVmRead(hostId, rawUuid);
  return { snapshots: await viewsOf(hostId, vm), capabilities: capabilities(vm) };
}

const callerAudit = (caller: Caller, hostId: string, vm: SnapshotVm) => auditor(caller.actor, caller.ip, hostId, vm);

/** Refused (409) with the reason, audited as a failure. */
async function refuse(
  audit: ReturnType<typeof auditor>,
  action: string,
  details: Record<string, unknown>,
  reason: string,
): Promise<never> {
  await audit(action, "failure", { ...details, reason });
  throw new AppError("invalid_state", reason);
}

function findSnapshot(vm: SnapshotVm, name: string): SnapshotWire {
  const s = vm.snapshots.find((x) => x.name === name);
  if (!s) throw new AppError("not_found", `No snapshot named "${name}"`);
  return s;
}

/** Bad input: 422 naming the field (services are called directly too, not only through the routes). */
function parsed<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const r = schema.safeParse(input);
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

const actorInput = (caller: Caller) => ({ userId: caller.actor.id, username: caller.actor.name, ip: caller.ip });

/** Checks and queues a snapshot create; 202 with the task. */
export async function snapshotCreateEnqueue(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  body: SnapshotCreateInput,
) {
  await authorizeOrThrow(caller.principal, "vm.snapshot", { hostId, vmUuid: rawUuid });
  const req = parsed(SnapshotCreateSchema, body);
  const vm = await snapshotVmRead(hostId, rawUuid);
  const plan = createPlan(req, vm.facts, vm.snapshots, vm.state);
  if (typeof plan === "string")
    await refuse(callerAudit(caller, hostId, vm), "create", { snapshot: req.name, kind: req.kind }, plan);
  const task = await taskEnqueue(caller, {
    kind: SNAPSHOT_CREATE_KIND,
    title: `Snapshot ${vm.name}: ${req.name}`,
    titleMessage: { key: "titles.snapshotCreate", params: { vm: vm.name, name: req.name, kind: req.kind } },
    hostId,
    vmUuid: vm.uuid,
    input: { hostId, vmUuid: vm.uuid, request: req, ...actorInput(caller) },
  });
  return { taskId: task.id };
}

export async function snapshotRevertEnqueue(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  rawName: string,
  body: Partial<SnapshotRevert>,
) {
  await authorizeOrThrow(caller.principal, "vm.snapshot", { hostId, vmUuid: rawUuid });
  const name = snapshotNameOf(rawName);
  const req = parsed(SnapshotRevertSchema, body);
  const vm = await snapshotVmRead(hostId, rawUuid);
  const s = findSnapshot(vm, name);
  const why = revertRefusal(s, vm.version);
  if (why) await refuse(callerAudit(caller, hostId, vm), "revert", { snapshot: name }, why);
  const task = await taskEnqueue(caller, {
    kind: SNAPSHOT_REVERT_KIND,
    title: `Revert ${vm.name} to ${name}`,
    titleMessage: { key: "titles.snapshotRevert", params: { vm: vm.name, name } },
    hostId,
    vmUuid: vm.uuid,
    input: { hostId, vmUuid: vm.uuid, name, after: req.after, ...actorInput(caller) },
  });
  return { taskId: task.id };
}

export async function snapshotDeleteEnqueue(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  rawName: string,
  rawMode: SnapshotDeleteMode,
) {
  await authorizeOrThrow(caller.principal, "vm.snapshot", { hostId, vmUuid: rawUuid });
  const mode = parsed(SnapshotDeleteModeSchema, rawMode);
  const name = snapshotNameOf(rawName);
  const vm = await snapshotVmRead(hostId, rawUuid);
  const s = findSnapshot(vm, name);
  const why = deleteRefusal(s, mode, vm.snapshots, vm.version);
  if (why) await refuse(callerAudit(caller, hostId, vm), "delete", { snapshot: name, mode }, why);
  const task = await taskEnqueue(caller, {
    kind: SNAPSHOT_DELETE_KIND,
    title: `${mode === "merge" ? "Merge" : "Delete"} snapshot ${name} of ${vm.name}`,
    titleMessage: { key: "titles.snapshotDelete", params: { vm: vm.name, name, mode } },
    hostId,
    vmUuid: vm.uuid,
    input: { hostId, vmUuid: vm.uuid, name, mode, ...actorInput(caller) },
  });
  return { taskId: task.id };
}

/**
 * New name and/or description: `snapshot-create --redefine` with the edited `snapshot-dumpxml`.
 * A rename (external snapshots without children only) defines the new name, forgets the old one's
 * metadata (images untouched), and makes the new one current when the old one was.
 */
export async function snapshotEdit(
  caller: Caller,
  hostId: string,
  rawUuid: string,
  rawName: string,
  rawBody: SnapshotEdit,
): Promise<SnapshotView> {
  await authorizeOrThrow(caller.principal, "vm.snapshot", { hostId, vmUuid: rawUuid });
  const body = parsed(SnapshotEditSchema, rawBody);
  const name = snapshotNameOf(rawName);
  const vm = await snapshotVmRead(hostId, rawUuid);
  const s = findSnapshot(vm, name);
  const audit = callerAudit(caller, hostId, vm);
  const newName = body.name ?? name;
  const details = {
    snapshot: name,
    ...(newName !== name ? { newName } : {}),
    description: body.description !== undefined,
  };
  const why = renameRefusal(s, newName, vm.snapshots);
  if (why) await refuse(audit, "edit", details, why);
  const wasCurrent = vm.current === name;
  try {
    const xml = snapshotXmlEdit(await snapshotXmlGet({ host: vm.client, uuid: vm.uuid, name }), {
      name: newName,
      description: body.description,
    });
    if (newName === name) {
      await snapshotRedefine({ host: vm.client, uuid: vm.uuid, xml, current: wasCurrent });
    } else {
      await snapshotRedefine({ host: vm.client, uuid: vm.uuid, xml });
      const r = await snapshotDelete({ host: vm.client, uuid: vm.uuid, name, metadataOnly: true });
      if (!r.ok) throw new AppError("action_failed", `${vm.client.host.name}: ${virshMessage(r.stderr)}`);
      if (wasCurrent) await snapshotRedefine({ host: vm.client, uuid: vm.uuid, xml, current: true });
    }
  } catch (err) {
    await audit("edit", "failure", { ...details, error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  await audit("edit", "success", details);
  const after = await snapshotVmRead(hostId, vm.uuid);
  const view = (await viewsOf(hostId, after)).find((v) => v.name === newName);
  if (!view) throw new AppError("action_failed", `The snapshot "${newName}" is gone`);
  return view;
}
