import "server-only";
import { domainInfoTry } from "@/lib/virt/domain";
import { poolRefreshQuiet } from "@/lib/virt/storage-pool";
import { volumeDeleteTry } from "@/lib/virt/storage-volume";
import { taskHandlerRegister } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { quotaRelease } from "./quota";
import { provHost } from "./host-access";
import { planRun } from "./plan";
import { CreatePlanSchema } from "./plan-schema";

/**
 * Registers a task kind that runs a build plan (VM create, VM clone): the plan travels in the task's
 * input. A failed build releases its quota reservation; an interrupted one that never got defined
 * also removes what it made (volumes, seed ISO).
 */
export function planTaskRegister(kind: string): void {
  taskHandlerRegister(
    kind,
    async (ctx) => {
      const p = CreatePlanSchema.parse((ctx.input as { plan?: unknown } | null)?.plan);
      const h = await provHost(p.hostId);
      await ctx.progress(1, msg("steps.preparing"));
      const vm = await planRun(h, p, { progress: ctx.progress, log: ctx.log }).catch(async (err: unknown) => {
        await quotaRelease(p.hostId, p.domain.uuid);
        throw err;
      });
      await ctx.progress(100, msg(vm.started ? "steps.running" : "steps.defined"));
      return { hostId: p.hostId, uuid: vm.uuid, name: vm.name };
    },
    {
      onInterrupted: async (task) => {
        const p = CreatePlanSchema.safeParse((task.input as { plan?: unknown } | null)?.plan);
        if (!p.success) return;
        const h = await provHost(p.data.hostId);
        const info = await domainInfoTry({ host: h, uuid: p.data.domain.uuid });
        if (info.ok) return; // it was defined: the VM exists, keep its disks
        await quotaRelease(p.data.hostId, p.data.domain.uuid);
        // A file copy cut short is a file libvirt has not seen yet: refresh so vol-delete finds it.
        for (const pool of new Set(p.data.volumes.filter((v) => v.kind === "copy").map((v) => v.pool))) {
          await poolRefreshQuiet({ host: h, pool });
        }
        for (const v of [...p.data.volumes, ...p.data.cleanup]) {
          await volumeDeleteTry({ host: h, ref: { pool: v.pool, name: v.name } });
        }
      },
    },
  );
}
