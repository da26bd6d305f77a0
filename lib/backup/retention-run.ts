import "server-only";
import { auditRecord } from "@/lib/audit/audit";
import { db } from "@/lib/db/client";
import { hostClient } from "@/lib/fleet/runtime";
import { childLogger } from "@/lib/log";
import { treeRemoveArgv } from "./host-files";
import { pointLayout } from "./layout";
import { retentionPrune } from "./retention";

const log = () => childLogger("backup-jobs");

/**
 * Retention after a job's backup: deletes the job's points it no longer keeps (files first, then
 * the row; a point another kept point is built on is always kept). Returns the deleted ids.
 */
export async function backupJobRetention(jobId: string): Promise<string[]> {
  const job = await db().backupJob.findUnique({ where: { id: jobId }, include: { repository: true } });
  if (!job) return [];
  const points = await db().backupPoint.findMany({
    where: { repositoryId: job.repositoryId, hostId: job.hostId, vmUuid: job.vmUuid },
    select: { id: true, createdAt: true, parentId: true, jobId: true },
  });
  const prune = new Set(retentionPrune(points, job));
  // Only this job's own points are pruned (another job's, or a manual backup's, are theirs).
  const doomed = new Set(points.filter((p) => prune.has(p.id) && p.jobId === job.id).map((p) => p.id));
  // Whatever stays must keep every point it is built on.
  const byId = new Map(points.map((p) => [p.id, p]));
  for (const p of points) {
    if (doomed.has(p.id)) continue;
    for (let cur = p.parentId; cur; cur = byId.get(cur)?.parentId ?? null) doomed.delete(cur);
  }
  const own = points.filter((p) => doomed.has(p.id));
  if (!own.length) return [];
  const h = await hostClient(job.repository.hostId, { commandErrorCode: "action_failed" });
  const deleted: string[] = [];
  for (const p of own) {
    const { finalDir } = pointLayout(job.repository.path, job.vmUuid, p.id);
    const r = await h.exec(treeRemoveArgv(finalDir), 300_000);
    if (r.code !== 0) {
      log().warn({ pointId: p.id, err: r.stderr }, "retention: could not remove a point");
      continue;
    }
    await db().backupPoint.delete({ where: { id: p.id } });
    deleted.push(p.id);
  }
  if (deleted.length)
    await auditRecord({
      actor: null,
      action: "backup.retention",
      target: { type: "backup-job", id: job.id, name: job.name },
      details: { deleted },
    });
  return deleted;
}
