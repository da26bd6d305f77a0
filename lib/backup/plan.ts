import "server-only";
import { db } from "@/lib/db/client";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import { domainDisks } from "@/lib/libvirt/domain-xml-update";
import type { TaskContext } from "@/lib/tasks/registry";
import { checkpointDetail, checkpointNames } from "@/lib/virt/checkpoint";
import type { BackupTaskInput, StoredDisk } from "./kinds";
import { diskTargetSafe } from "./layout";
import { msg } from "@/lib/tasks/task-text";

export interface Plan {
  disks: { target: string; path: string; format: string; mode: "full" | "incremental" }[];
  incremental: { checkpoint: string; parentId: string } | null;
  running: boolean;
}

/** Which disks, full or incremental, and why: the task log says why a backup is full. */
export async function planBackup(
  ctx: TaskContext,
  src: HostClient,
  input: BackupTaskInput,
  xml: string,
  running: boolean,
): Promise<Plan> {
  const disks = domainDisks(xml).filter((d) => d.device === "disk");
  if (!disks.length) throw new AppError("invalid_state", `${input.vmName} has no disks to back up`);
  for (const d of disks) {
    if (!d.path)
      throw new AppError("invalid_state", `Disk ${d.target} is not a file or block device: it cannot be backed up`);
    if (d.format !== "qcow2" && d.format !== "raw")
      throw new AppError(
        "invalid_state",
        `Disk ${d.target} is ${d.format ?? "of no declared format"}: virtdeck backs up qcow2 and raw disks`,
      );
    if (!diskTargetSafe(d.target)) throw new AppError("invalid_state", `Disk target ${d.target} is not supported`);
  }
  const prev = await db().backupPoint.findMany({
    where: { repositoryId: input.repositoryId, vmUuid: input.vmUuid, hostId: input.hostId },
    orderBy: { createdAt: "desc" },
  });
  let incremental: Plan["incremental"] = null;
  const withCp = prev.find((p) => p.checkpoint);
  if (!prev.length) await ctx.log(msg("lines.backupFirst"));
  else if (!running) await ctx.log(msg("lines.backupShutOff"));
  else if (!withCp) await ctx.log(msg("lines.backupNoCheckpoint"));
  else {
    const names = await checkpointNames({ host: src, uuid: input.vmUuid });
    if (!names.includes(withCp.checkpoint!))
      await ctx.log(msg("lines.backupCheckpointGone", { checkpoint: withCp.checkpoint! }));
    else incremental = { checkpoint: withCp.checkpoint!, parentId: prev[0].id };
  }
  let bitmapDisks = new Set<string>();
  let parentTargets = new Set<string>();
  if (incremental) {
    const cp = await checkpointDetail({ host: src, uuid: input.vmUuid, name: incremental.checkpoint });
    bitmapDisks = new Set(cp?.disks.filter((d) => d.checkpoint === "bitmap").map((d) => d.name) ?? []);
    parentTargets = new Set(((prev[0].disks as unknown as StoredDisk[]) ?? []).map((d) => d.target));
  }
  const out = disks.map((d) => {
    const inc = !!incremental && d.format === "qcow2" && bitmapDisks.has(d.target) && parentTargets.has(d.target);
    return {
      target: d.target,
      path: d.path!,
      format: d.format!,
      mode: (inc ? "incremental" : "full") as "full" | "incremental",
    };
  });
  if (incremental && !out.some((d) => d.mode === "incremental")) {
    await ctx.log(msg("lines.backupNoBitmap"));
    incremental = null;
  }
  if (incremental)
    for (const d of out.filter((x) => x.mode === "full"))
      await ctx.log(msg("lines.backupDiskFull", { disk: d.target, reason: d.format === "raw" ? "raw" : "new" }));
  return { disks: out, incremental, running };
}
