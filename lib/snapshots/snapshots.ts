import "server-only";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import {
  SnapshotCreateSchema,
  SnapshotDeleteModeSchema,
  SnapshotEditSchema,
  SnapshotNameSchema,
  SnapshotRevertSchema,
  type SnapshotCapabilities,
  type SnapshotCreateInput,
  type SnapshotDeleteMode,
  type SnapshotEdit,
  type SnapshotRevert,
  type SnapshotView,
} from "@/lib/contracts/snapshot";
import type { HostClient } from "@/lib/hosts/client";
import { virshMessage } from "@/lib/hosts/client-errors";
import { AppError, fromZodError } from "@/lib/http/errors";
import { snapshotDomainFacts, snapshotXmlEdit, type SnapshotDomainFacts, type SnapshotWire } from "@/lib/libvirt/snapshot-xml";
import type { Version } from "@/lib/libvirt/version-parse";
import type { HostView } from "@/lib/fleet/hosts";
import { inventoryInvalidate } from "@/lib/fleet/inventory";
import { hostClient } from "@/lib/fleet/runtime";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { domainStateAndXmlTry } from "@/lib/virt/domain";
import {
  blockJobProgress,
  libvirtVersion,
  snapshotCreate,
  snapshotDelete,
  snapshotRedefine,
  snapshotRevert,
  snapshotTreeRead,
  snapshotXmlGet,
} from "@/lib/virt/snapshot";
import {
  createPlan,
  deleteRefusal,
  descendantsOf,
  externalRefusal,
  externalRevertSupported,
  internalRefusal,
  renameRefusal,
  revertRefusal,
  snapshotViews,
} from "./plan";
import { scheduledSnapshotNames } from "./made-by";

/**
 * Snapshots of a VM: the tree (vm.view), and create, revert, delete, edit (vm.snapshot on the VM).
 * Requests are checked here before anything reaches the host (refusals name the reason and what to
 * do instead, lib/snapshots/plan.ts); create, revert and delete then run as tasks on the queue, which
 * check again at run time. Every change is audited (action `vm.snapshot.<verb>`).
 */

export const SNAPSHOT_CREATE_KIND = "vm.snapshot.create";
export const SNAPSHOT_REVERT_KIND = "vm.snapshot.revert";
export const SNAPSHOT_DELETE_KIND = "vm.snapshot.delete";

type Client = HostClient<HostView>;

/** The VM as snapshots need it: live facts, state, snapshots, the current one, libvirt's version. */
export interface SnapshotVm {
  client: Client;
  uuid: string;
  name: string;
  state: string;
  facts: SnapshotDomainFacts;
  snapshots: SnapshotWire[];
  current: string | null;
  version: Version | null;
}

function uuidOf(raw: string): string {
  const r = DomainUuidSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "VM not found");
  return r.data.toLowerCase();
}

/** A snapshot name from a path: one virsh could misread names nothing (404). */
export function snapshotNameOf(raw: string): string {
  const r = SnapshotNameSchema.safeParse(raw);
  if (!r.success) throw new AppError("not_found", "No such snapshot");
  return r.data;
}

export async function snapshotVmRead(hostId: string, rawUuid: string): Promise<SnapshotVm> {
  const uuid = uuidOf(rawUuid);
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "VM not found");
  const client = await hostClient(hostId, { commandErrorCode: "action_failed" });
  const [{ state, xml }, tree, version] = await Promise.all([
    domainStateAndXmlTry({ host: client, uuid }),
    snapshotTreeRead({ host: client, uuid }).catch(() => null),
    libvirtVersion({ host: client }).catch(() => null),
  ]);
  if (!state.ok || !xml.ok || !tree) throw new AppError("not_found", "VM not found");
  const facts = snapshotDomainFacts(xml.stdout);
  return {
    client,
    uuid,
    name: facts.name,
    state: state.stdout.trim().split("\n")[0]!.trim(),
    facts,
    snapshots: tree.snapshots,
    current: tree.current,
    version,
  };
}

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

function auditor(actor: { id: string | null; name: string }, ip: string, hostId: string, vm: { uuid: string; name: string }) {
  return (action: string, outcome: "success" | "failure", details: Record<string, unknown>) =>
    auditRecord({
      actor: { id: actor.id, name: actor.name },
      action: `vm.snapshot.${action}`,
      outcome,
      target: { type: "vm", id: `${hostId}/${vm.uuid}`, name: vm.name },
      ip,
      details,
    });
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
const ActorSchema = z.object({ userId: z.string(), username: z.string(), ip: z.string() });

/** Checks and queues a snapshot create; 202 with the task. */
export async function snapshotCreateEnqueue(caller: Caller, hostId: string, rawUuid: string, body: SnapshotCreateInput) {
  await authorizeOrThrow(caller.principal, "vm.snapshot", { hostId, vmUuid: rawUuid });
  const req = parsed(SnapshotCreateSchema, body);
  const vm = await snapshotVmRead(hostId, rawUuid);
  const plan = createPlan(req, vm.facts, vm.snapshots, vm.state);
  if (typeof plan === "string") await refuse(callerAudit(caller, hostId, vm), "create", { snapshot: req.name, kind: req.kind }, plan);
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
  const details = { snapshot: name, ...(newName !== name ? { newName } : {}), description: body.description !== undefined };
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

// --- task handlers --------------------------------------------------------------------------

export function handlerAudit(input: z.infer<typeof ActorSchema> & { hostId: string }, vm: SnapshotVm) {
  return auditor({ id: input.userId, name: input.username }, input.ip, input.hostId, vm);
}

/** A task step virsh refused: the task fails with libvirt's message. */
function hostFailed(vm: SnapshotVm, stderr: string): AppError {
  return new AppError("action_failed", `${vm.client.host.name}: ${virshMessage(stderr)}`);
}

const CreateInput = ActorSchema.extend({ hostId: z.string(), vmUuid: z.string(), request: SnapshotCreateSchema });

/** The VM read again after a change, retried while the host reconnects (null when it stays unreachable). */
async function readAgain(hostId: string, uuid: string, attempts = 4): Promise<SnapshotVm | null> {
  for (let i = 0; i < attempts; i++) {
    const vm = await snapshotVmRead(hostId, uuid).catch(() => null);
    if (vm) return vm;
    await new Promise((r) => setTimeout(r, 1000 * (i + 1)));
  }
  return null;
}

/** Removes overlay files a failed external snapshot left behind (only the planned, unused ones). */
async function overlaysRemove(vm: SnapshotVm, overlays: string[], ctx: TaskContext) {
  const after = await readAgain(vm.client.host.id, vm.uuid, 2);
  // Unreadable: nothing is removed (an overlay in use must never go).
  const inUse = new Set(after ? after.facts.disks.map((d) => d.path) : overlays);
  for (const file of overlays) {
    if (inUse.has(file)) continue;
    const r = await vm.client.exec(["rm", "-f", "--", file], 30_000);
    if (r.code === 0) await ctx.log(msg("lines.snapshotOverlayRemoved", { path: file }));
  }
}

/**
 * Takes a snapshot now (a task's body, also for schedules): plans again, creates, and checks what
 * libvirt has afterwards (also when the connection dropped under virsh: libvirtd finishes or rolls
 * back on its own); overlays of a failed external snapshot are removed. Audited.
 */
export async function snapshotCreateRun({
  vm,
  req,
  audit,
  ctx,
  scheduleId = null,
}: {
  vm: SnapshotVm;
  req: z.output<typeof SnapshotCreateSchema>;
  audit: ReturnType<typeof auditor>;
  ctx: TaskContext;
  scheduleId?: string | null;
}) {
  const hostId = vm.client.host.id;
  const details = { snapshot: req.name, kind: req.kind, state: vm.state, scheduleId };
  const plan = createPlan(req, vm.facts, vm.snapshots, vm.state);
  if (typeof plan === "string") {
    await audit("create", "failure", { ...details, reason: plan });
    throw new AppError("invalid_state", plan);
  }
  if (plan.quiesce) await ctx.log(msg("lines.snapshotQuiesce"));
  await ctx.progress(20, msg("steps.snapshotCreating", { name: req.name }));
  // A dropped connection is no answer: what libvirt did is read back below.
  const r = await snapshotCreate({
    host: vm.client,
    uuid: vm.uuid,
    xml: plan.xml,
    diskOnly: plan.diskOnly,
    quiesce: plan.quiesce,
  }).catch((err: unknown) => ({ ok: false, stdout: "", stderr: err instanceof Error ? err.message : String(err) }));
  const after = await readAgain(hostId, vm.uuid);
  const made = after?.snapshots.some((s) => s.name === req.name) ?? false;
  inventoryInvalidate(hostId, "*");
  if (!made) {
    if (plan.overlays.length) await overlaysRemove(vm, plan.overlays, ctx);
    const error = r.ok ? "the snapshot is not listed after creating it" : virshMessage(r.stderr);
    await audit("create", "failure", { ...details, error });
    throw hostFailed(vm, error);
  }
  await audit("create", "success", { ...details, overlays: plan.overlays, quiesced: plan.quiesce });
  await ctx.progress(100, msg("steps.snapshotCreated", { name: req.name }));
  return { name: req.name, overlays: plan.overlays, quiesced: plan.quiesce };
}

async function runCreate(ctx: TaskContext) {
  const input = CreateInput.parse(ctx.input);
  await ctx.progress(5, msg("steps.snapshotChecking"));
  const vm = await snapshotVmRead(input.hostId, input.vmUuid);
  return snapshotCreateRun({ vm, req: input.request, audit: handlerAudit(input, vm), ctx });
}

const RevertInput = ActorSchema.extend({
  hostId: z.string(),
  vmUuid: z.string(),
  name: SnapshotNameSchema,
  after: SnapshotRevertSchema.shape.after,
});

async function runRevert(ctx: TaskContext) {
  const input = RevertInput.parse(ctx.input);
  await ctx.progress(5, msg("steps.snapshotChecking"));
  const vm = await snapshotVmRead(input.hostId, input.vmUuid);
  const audit = handlerAudit(input, vm);
  const details = { snapshot: input.name, after: input.after, stateBefore: vm.state };
  const s = vm.snapshots.find((x) => x.name === input.name);
  const why = s ? revertRefusal(s, vm.version) : `No snapshot named "${input.name}"`;
  if (why) {
    await audit("revert", "failure", { ...details, reason: why });
    throw new AppError("invalid_state", why);
  }
  await ctx.progress(20, msg("steps.snapshotReverting", { name: input.name }));
  const r = await snapshotRevert({
    host: vm.client,
    uuid: vm.uuid,
    name: input.name,
    after: input.after === "as-taken" ? undefined : input.after,
  });
  inventoryInvalidate(input.hostId, "*");
  if (!r.ok) {
    await audit("revert", "failure", { ...details, error: virshMessage(r.stderr) });
    throw hostFailed(vm, r.stderr);
  }
  const now = await snapshotVmRead(input.hostId, input.vmUuid).catch(() => null);
  await audit("revert", "success", { ...details, stateAfter: now?.state ?? null });
  await ctx.progress(100, msg("steps.snapshotReverted", { name: input.name }));
  return { name: input.name, state: now?.state ?? null };
}

const DeleteInput = ActorSchema.extend({
  hostId: z.string(),
  vmUuid: z.string(),
  name: SnapshotNameSchema,
  mode: SnapshotDeleteModeSchema,
});

async function runDelete(ctx: TaskContext) {
  const input = DeleteInput.parse(ctx.input);
  await ctx.progress(5, msg("steps.snapshotChecking"));
  const vm = await snapshotVmRead(input.hostId, input.vmUuid);
  const audit = handlerAudit(input, vm);
  const details = { snapshot: input.name, mode: input.mode, scheduleId: null as string | null };
  const s = vm.snapshots.find((x) => x.name === input.name);
  const why = s ? deleteRefusal(s, input.mode, vm.snapshots, vm.version) : `No snapshot named "${input.name}"`;
  if (why) {
    await audit("delete", "failure", { ...details, reason: why });
    throw new AppError("invalid_state", why);
  }
  const merging = input.mode === "merge";
  await ctx.progress(
    10,
    merging ? msg("steps.snapshotMerging", { name: input.name }) : msg("steps.snapshotDeleting", { name: input.name }),
  );
  const running = snapshotDelete({ host: vm.client, uuid: vm.uuid, name: input.name, children: input.mode === "subtree" });
  if (merging && (vm.state === "running" || vm.state === "paused")) {
    // The merge is a block commit per disk: its progress is the jobs' (polled until the delete returns).
    const disks = s!.disks.filter((d) => d.snapshot === "external").map((d) => d.name);
    let done = false;
    running.then(
      () => (done = true),
      () => (done = true),
    );
    while (!done) {
      await new Promise((r) => setTimeout(r, 500));
      if (done) break;
      const jobs = await Promise.all(disks.map((disk) => blockJobProgress({ host: vm.client, uuid: vm.uuid, disk }).catch(() => null)));
      const live = jobs.filter((j): j is { cur: number; end: number } => !!j && j.end > 0);
      if (live.length) {
        const pct = live.reduce((a, j) => a + j.cur / j.end, 0) / live.length;
        await ctx.progress(10 + 85 * pct, msg("steps.snapshotMerging", { name: input.name }));
      }
    }
  }
  const r = await running;
  inventoryInvalidate(input.hostId, "*");
  if (!r.ok) {
    await audit("delete", "failure", { ...details, error: virshMessage(r.stderr) });
    throw hostFailed(vm, r.stderr);
  }
  const removed =
    input.mode === "subtree" ? [input.name, ...descendantsOf(input.name, vm.snapshots).map((d) => d.name)] : [input.name];
  await audit("delete", "success", { ...details, removed });
  await ctx.progress(100, merging ? msg("steps.snapshotMerged", { name: input.name }) : msg("steps.snapshotDeleted", { name: input.name }));
  return { removed };
}

taskHandlerRegister(SNAPSHOT_CREATE_KIND, runCreate);
taskHandlerRegister(SNAPSHOT_REVERT_KIND, runRevert);
taskHandlerRegister(SNAPSHOT_DELETE_KIND, runDelete);
