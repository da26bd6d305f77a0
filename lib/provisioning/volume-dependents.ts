import "server-only";
import { db } from "@/lib/db/client";
import { storageUsage } from "@/lib/storage/usage";
import { storagePoolList, storageVolumeList } from "@/lib/storage/storage";
import { templatesList } from "@/lib/templates/templates";
import type { HostView } from "@/lib/fleet/hosts";
import { hostClientFor } from "@/lib/fleet/runtime";
import { dependentsFind, type Dependents, type DependentsFacts, type DependentVm } from "./volume-dependents-find";

/** Task kinds that run a create plan (lib/provisioning/plan-task.ts): VM create and VM clone. */
const PLAN_TASK_KINDS = ["vm.create", "vm.clone"] as const;

/**
 * Gathers what depends on files of a host's VM (see volume-dependents-find.ts): the same
 * backing-chain walk that guards VM and volume deletion (lib/storage/usage.ts), every volume of
 * the active pools with its backing file, the template records, and the create/clone tasks not
 * yet finished on that host. One call per check: a few batched virsh rounds and two queries.
 */
export async function volumeDependents(
  host: HostView,
  paths: readonly string[],
  opts: { exceptVm: string; exceptPaths?: readonly string[]; exceptTemplateId?: string | null },
): Promise<Map<string, Dependents>> {
  const out = new Map<string, Dependents>();
  if (!paths.length) return out;
  const [usage, volumes, templates, tasks] = await Promise.all([
    storageUsage(hostClientFor(host, { commandErrorCode: "host_error" }), { exceptVm: opts.exceptVm }),
    poolVolumes(host.id),
    templatesList(),
    db().task.findMany({
      where: { hostId: host.id, status: { in: ["queued", "running"] }, kind: { in: [...PLAN_TASK_KINDS] } },
      select: { id: true, title: true, input: true },
    }),
  ]);
  const facts: DependentsFacts = {
    usage: new Map(
      [...usage].map(([p, users]) => [
        p,
        users.map((u): DependentVm => ({ uuid: u.vmUuid, name: u.vmName, via: u.via })),
      ]),
    ),
    volumes,
    templates: templates.map((t) => ({
      id: t.id,
      name: t.name,
      source: t.source as { kind: string; pool?: string; volume?: string },
    })),
    tasks,
  };
  for (const p of paths)
    out.set(p, dependentsFind(p, facts, { exceptPaths: opts.exceptPaths, exceptTemplateId: opts.exceptTemplateId }));
  return out;
}

async function poolVolumes(hostId: string) {
  const pools = (await storagePoolList({ hostId })).filter((p) => p.active);
  const lists = await Promise.all(pools.map((p) => storageVolumeList({ hostId, pool: p.name })));
  return lists.flat().map((v) => ({ pool: v.pool, name: v.name, path: v.path, backingPath: v.backingPath }));
}
