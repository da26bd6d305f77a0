import "server-only";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { hostClient } from "@/lib/fleet/runtime";
import { AppError } from "@/lib/http/errors";
import { isActive } from "@/lib/libvirt/vm-state";
import { taskHandlerRegister, TaskCancelledError, type TaskContext } from "@/lib/tasks/registry";
import { checkpointDelete, checkpointNames } from "@/lib/virt/checkpoint";
import { domainStateGet, domainXmlGet } from "@/lib/virt/domain";
import { partialsRemoveArgv, pointDirCreateArgv } from "./host-files";
import { BackupTaskInputSchema, TASK_KIND_BACKUP } from "./kinds";
import { checkpointName, pointLayout, stagingDir } from "./layout";
import { planBackup } from "./plan";
import { hostRun, mib, secs1 } from "./steps-common";
import {
  afterPublish,
  failedCleanup,
  imagesBackupJob,
  imagesCopy,
  imagesStream,
  pointPublish,
  type RunState,
} from "./write";
import { msg } from "@/lib/tasks/task-text";

export { TASK_KIND_BACKUP, BackupTaskInputSchema, type BackupTaskInput, type StoredDisk } from "./kinds";

/**
 * One backup of one VM into one repository, as a task ("backup.run").
 *
 * Running VM: libvirt's push-mode backup job (`backup-begin`) writes one qcow2 image per disk, with
 * a checkpoint created at the same instant, so the next backup can be incremental (only the
 * clusters the checkpoint's dirty bitmap marks). An incremental image then gets its previous
 * point as (relative) backing, so each point reads as the whole disk. Shut-off VM: backup-begin
 * needs a running domain, so each disk is copied in full with `qemu-img convert` (qemu-img holds
 * the image's lock meanwhile: the VM cannot start and write under the copy).
 *
 * Data safety: everything is written under `.partial-<id>`, checksummed (sha256sum on the
 * repository host, SHA256SUMS stored with the data) and only then renamed to its final name and
 * recorded. Any failure or cancel removes the partial directory, the staging directory and the
 * checkpoint this run created, so the next incremental never starts from a point that does not
 * exist. The steps are in write.ts.
 */

/** Reads the VM, plans full or incremental, and lays out where this run writes. */
async function prepare(ctx: TaskContext): Promise<RunState> {
  const input = BackupTaskInputSchema.parse(ctx.input);
  const repo = await db().backupRepository.findUnique({ where: { id: input.repositoryId } });
  if (!repo) throw new AppError("not_found", "The repository no longer exists");
  const src = await hostClient(input.hostId, { commandErrorCode: "action_failed" });
  const dst = repo.hostId === input.hostId ? src : await hostClient(repo.hostId, { commandErrorCode: "action_failed" });
  const state = await domainStateGet({ host: src, uuid: input.vmUuid });
  if (!state) throw new AppError("not_found", "VM not found");
  const liveXml = await domainXmlGet({ host: src, uuid: input.vmUuid });
  const inactiveXml = await domainXmlGet({ host: src, uuid: input.vmUuid, inactive: true });
  const plan = await planBackup(ctx, src, input, liveXml, isActive(state));
  const pointId = randomUUID();
  const layout = pointLayout(repo.path, input.vmUuid, pointId);
  const remote = dst !== src;
  return {
    ctx,
    input,
    repo,
    src,
    dst,
    remote,
    plan,
    pointId,
    layout,
    work: remote ? stagingDir(pointId) : layout.partialDir,
    cpName: plan.running && plan.disks.some((d) => d.format === "qcow2") ? checkpointName(pointId) : null,
    liveXml,
    inactiveXml,
    started: Date.now(),
  };
}

async function handler(ctx: TaskContext) {
  const s = await prepare(ctx);
  const { plan } = s;
  await ctx.log(
    msg("lines.backupStarting", {
      kind: plan.incremental ? "incremental" : "full",
      checkpoint: plan.incremental?.checkpoint ?? "",
      disks: plan.disks.map((d) => `${d.target} (${d.format})`).join(", "),
      repository: s.repo.name,
      host: s.dst.host.name,
      staged: s.remote ? s.src.host.name : "none",
    }),
  );
  await ctx.progress(2, msg("steps.backupPreparing"));
  // Once backup-begin was asked, the checkpoint may exist (libvirt creates it as the job starts).
  let cpCreated = false;
  try {
    await hostRun(s.dst, pointDirCreateArgv(s.layout.vmDir, s.layout.partialDir), "creating the point directory");
    if (s.remote) await hostRun(s.src, pointDirCreateArgv("/var/tmp", s.work), "creating the staging directory");
    if (plan.running) {
      cpCreated = !!s.cpName;
      await imagesBackupJob(s);
    } else await imagesCopy(s);
    if (s.remote) await imagesStream(s);
    if (ctx.signal.aborted) throw (ctx.signal.reason as Error | undefined) ?? new TaskCancelledError();
    const bytes = await pointPublish(s);
    cpCreated = false;
    await afterPublish(s);
    const secs = (Date.now() - s.started) / 1000;
    const kind = plan.incremental ? "incremental" : "full";
    const rate = bytes / Math.max(secs, 0.001);
    await ctx.log(
      msg("lines.backupDone", { id: s.pointId, kind, mib: mib(bytes), seconds: secs1(secs), rate: mib(rate) }),
    );
    return { pointId: s.pointId, kind, bytes, seconds: secs, bytesPerSecond: Math.round(rate) };
  } catch (err) {
    await failedCleanup(s, cpCreated);
    throw err;
  }
}

/**
 * A backup whose instance died: its partial directories go, and so do the VM's virtdeck checkpoints
 * that no recorded point names (the dead run's), so the next backup starts from a recorded one.
 */
async function interrupted(task: { input: unknown }): Promise<void> {
  const input = BackupTaskInputSchema.parse(task.input);
  const repo = await db().backupRepository.findUnique({ where: { id: input.repositoryId } });
  if (!repo) return;
  const dst = await hostClient(repo.hostId, { commandErrorCode: "action_failed" });
  await dst.exec(partialsRemoveArgv(pointLayout(repo.path, input.vmUuid, randomUUID()).vmDir), 300_000);
  const src = await hostClient(input.hostId, { commandErrorCode: "action_failed" });
  const recorded = new Set(
    (
      await db().backupPoint.findMany({
        where: { vmUuid: input.vmUuid, checkpoint: { not: null } },
        select: { checkpoint: true },
      })
    ).map((p) => p.checkpoint),
  );
  for (const name of await checkpointNames({ host: src, uuid: input.vmUuid }))
    if (name.startsWith("virtdeck-") && !recorded.has(name))
      await checkpointDelete({ host: src, uuid: input.vmUuid, name });
}

taskHandlerRegister(TASK_KIND_BACKUP, handler, { cancellable: true, onInterrupted: interrupted });
