import "server-only";
import { z } from "zod";
import { auditRecord } from "@/lib/audit/audit";
import { db } from "@/lib/db/client";
import { hostGet } from "@/lib/fleet/hosts";
import { hostMaintenanceSet } from "@/lib/fleet/host-maintenance";
import { AppError } from "@/lib/http/errors";
import { provHost } from "@/lib/provisioning/host-access";
import { errorText, taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { domainStateText } from "@/lib/virt/domain";
import { migrationPreflight, migrationRun, type MigrationTaskInput } from "./service";

/**
 * The tasks of host maintenance. host.evacuate marks the host and moves each planned VM with the
 * migration code path (pre-flight, then migrationRun), recording where it went; host.return moves
 * the recorded VMs still on their destination back, then ends maintenance. A VM that fails is
 * reported in the log and the rest go on; the task fails at the end naming the VMs that did not move.
 */
export const TASK_KIND_EVACUATE = "host.evacuate";
export const TASK_KIND_RETURN = "host.return";

export interface MaintenanceMove {
  uuid: string;
  name: string;
  /** Evacuation: where it goes. Return: where it is (it comes back to the task's host). */
  destHostId: string;
}

const InputSchema = z.object({
  hostId: z.string(),
  moves: z.array(z.object({ uuid: z.string(), name: z.string(), destHostId: z.string() })),
  actor: z.unknown(),
  ip: z.string().nullable().optional(),
});
type Input = z.infer<typeof InputSchema>;

const MOVE_OPTIONS = { persistent: true, undefineSource: true, autoConverge: false, postcopyAfterPrecopy: false };

/** One VM from `from` to `to`: pre-flight, then the migration itself. Throws when it did not move. */
async function moveOne(
  ctx: TaskContext,
  i: Input,
  vm: MaintenanceMove,
  from: string,
  to: string,
  share: { n: number; count: number },
): Promise<"live" | "offline"> {
  const report = await migrationPreflight(from, vm.uuid, to, { toMaintenance: to === i.hostId });
  if (!report.ok) {
    const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.reason);
    throw new AppError("invalid_state", `Pre-flight checks failed: ${failed.join("; ")}`);
  }
  const input: MigrationTaskInput = {
    sourceHostId: from,
    destHostId: to,
    uuid: vm.uuid,
    name: vm.name,
    mode: report.mode,
    options: MOVE_OPTIONS,
    actor: i.actor,
    ip: i.ip ?? null,
  };
  const progress = (pct: number, m?: Parameters<TaskContext["progress"]>[1]) =>
    void ctx.progress(((share.n + pct / 100) / share.count) * 100, m);
  await migrationRun({ taskId: ctx.taskId, signal: ctx.signal, log: ctx.log, progress }, input);
  return report.mode;
}

async function finishAudit(i: Input, action: string, hostName: string, moved: string[], failed: string[]) {
  await auditRecord({
    actor: i.actor as Parameters<typeof auditRecord>[0]["actor"],
    action,
    outcome: failed.length ? "failure" : "success",
    target: { type: "host", id: i.hostId, name: hostName },
    ip: i.ip ?? undefined,
    details: { moved, failed },
  });
}

function failedError(what: string, failed: string[], count: number): AppError {
  return new AppError("action_failed", `${what}: ${failed.length} of ${count} VMs did not move: ${failed.join(", ")}`);
}

taskHandlerRegister(
  TASK_KIND_EVACUATE,
  async (ctx) => {
    const i = InputSchema.parse(ctx.input);
    const host = await hostGet(i.hostId);
    await hostMaintenanceSet(i.hostId, new Date());
    await ctx.log(msg("lines.maintenanceOn", { host: host.name }));
    const moved: string[] = [];
    const failed: string[] = [];
    for (const [n, vm] of i.moves.entries()) {
      if (ctx.signal.aborted) {
        failed.push(vm.name);
        continue;
      }
      const dest = await hostGet(vm.destHostId).catch(() => null);
      await ctx.log(
        msg("lines.evacuateVm", {
          name: vm.name,
          destination: dest?.name ?? vm.destHostId,
          n: n + 1,
          count: i.moves.length,
        }),
      );
      try {
        const mode = await moveOne(ctx, i, vm, i.hostId, vm.destHostId, { n, count: i.moves.length });
        await db().hostEvacuation.upsert({
          where: { sourceHostId_vmUuid: { sourceHostId: i.hostId, vmUuid: vm.uuid } },
          create: {
            sourceHostId: i.hostId,
            destHostId: vm.destHostId,
            vmUuid: vm.uuid,
            vmName: vm.name,
            mode,
            taskId: ctx.taskId,
          },
          update: { destHostId: vm.destHostId, vmName: vm.name, mode, taskId: ctx.taskId },
        });
        moved.push(vm.name);
        await ctx.log(msg("lines.vmMoved", { name: vm.name, host: dest?.name ?? vm.destHostId }));
      } catch (err) {
        failed.push(vm.name);
        await ctx.log(msg("lines.vmMoveFailed", { name: vm.name, error: errorText(err) }));
      }
    }
    await finishAudit(i, "host.evacuate.finish", host.name, moved, failed);
    if (failed.length) throw failedError(`Evacuation of ${host.name}`, failed, i.moves.length);
    await ctx.progress(100, msg("steps.evacuateDone", { host: host.name, count: moved.length }));
    return { moved, failed };
  },
  { cancellable: true },
);

/** Where the VM is on its evacuation destination: its state, or null when it is gone (or the host is). */
async function stateOn(hostId: string, uuid: string): Promise<string | null> {
  try {
    return await domainStateText({ host: await provHost(hostId), uuid });
  } catch {
    return null;
  }
}

taskHandlerRegister(
  TASK_KIND_RETURN,
  async (ctx) => {
    const i = InputSchema.parse(ctx.input);
    const host = await hostGet(i.hostId);
    const moved: string[] = [];
    const failed: string[] = [];
    for (const [n, vm] of i.moves.entries()) {
      const from = await hostGet(vm.destHostId).catch(() => null);
      const where = from ? await stateOn(from.id, vm.uuid) : null;
      if (!from || where === null) {
        await ctx.log(msg("lines.returnGone", { name: vm.name, host: from?.name ?? vm.destHostId }));
        await db().hostEvacuation.deleteMany({ where: { sourceHostId: i.hostId, vmUuid: vm.uuid } });
        continue;
      }
      await ctx.log(
        msg("lines.returnVm", { name: vm.name, source: from.name, host: host.name, n: n + 1, count: i.moves.length }),
      );
      try {
        if (ctx.signal.aborted) throw new AppError("invalid_state", "Cancelled");
        await moveOne(ctx, i, vm, from.id, i.hostId, { n, count: i.moves.length });
        await db().hostEvacuation.deleteMany({ where: { sourceHostId: i.hostId, vmUuid: vm.uuid } });
        moved.push(vm.name);
        await ctx.log(msg("lines.vmMoved", { name: vm.name, host: host.name }));
      } catch (err) {
        failed.push(vm.name);
        await ctx.log(msg("lines.vmMoveFailed", { name: vm.name, error: errorText(err) }));
      }
    }
    await finishAudit(i, "host.return.finish", host.name, moved, failed);
    if (failed.length) throw failedError(`Return to ${host.name}`, failed, i.moves.length);
    // Every VM is back (or gone): the host is in service again.
    await hostMaintenanceSet(i.hostId, null);
    await ctx.log(msg("lines.maintenanceOff", { host: host.name }));
    await ctx.progress(100, msg("steps.returnDone", { host: host.name, count: moved.length }));
    return { moved, failed };
  },
  { cancellable: true },
);
