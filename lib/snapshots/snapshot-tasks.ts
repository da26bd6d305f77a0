import "server-only";
import { z } from "zod";
import {
  SnapshotCreateSchema,
  SnapshotDeleteModeSchema,
  SnapshotNameSchema,
  SnapshotRevertSchema,
} from "@/lib/contracts/snapshot";
import { virshMessage } from "@/lib/hosts/client-errors";
import { AppError } from "@/lib/http/errors";
import { inventoryInvalidate } from "@/lib/fleet/inventory";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { blockJobProgress, snapshotCreate, snapshotDelete, snapshotRevert } from "@/lib/virt/snapshot";
import { createPlan, deleteRefusal, descendantsOf, revertRefusal } from "./plan";
import {
  ActorSchema,
  SNAPSHOT_CREATE_KIND,
  SNAPSHOT_DELETE_KIND,
  SNAPSHOT_REVERT_KIND,
  handlerAudit,
  hostFailed,
  readAgain,
  snapshotVmRead,
  type SnapshotVm,
  type auditor,
} from "./vm";

/** The snapshot tasks: create, revert, delete/merge (registered on import; lib/tasks/handlers.ts). */

const CreateInput = ActorSchema.extend({ hostId: z.string(), vmUuid: z.string(), request: SnapshotCreateSchema });

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
  const running = snapshotDelete({
    host: vm.client,
    uuid: vm.uuid,
    name: input.name,
    children: input.mode === "subtree",
  });
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
      const jobs = await Promise.all(
        disks.map((disk) => blockJobProgress({ host: vm.client, uuid: vm.uuid, disk }).catch(() => null)),
      );
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
    input.mode === "subtree"
      ? [input.name, ...descendantsOf(input.name, vm.snapshots).map((d) => d.name)]
      : [input.name];
  await audit("delete", "success", { ...details, removed });
  await ctx.progress(
    100,
    merging ? msg("steps.snapshotMerged", { name: input.name }) : msg("steps.snapshotDeleted", { name: input.name }),
  );
  return { removed };
}

taskHandlerRegister(SNAPSHOT_CREATE_KIND, runCreate);
taskHandlerRegister(SNAPSHOT_REVERT_KIND, runRevert);
taskHandlerRegister(SNAPSHOT_DELETE_KIND, runDelete);
