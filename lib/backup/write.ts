import "server-only";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import { backupXmlBuild, checkpointXmlBuild, type BackupDiskSpec } from "@/lib/libvirt/backup-xml";
import { domainDisks } from "@/lib/libvirt/domain-xml-update";
import { TaskCancelledError, type TaskContext } from "@/lib/tasks/registry";
import { backupBegin, backupJobAbort, backupJobInfo } from "@/lib/virt/backup";
import { checkpointDelete } from "@/lib/virt/checkpoint";
import {
  allocatedArgv,
  convertArgv,
  fileReadArgv,
  fileWriteArgv,
  parseAllocated,
  parseConvertProgress,
  parseSha256,
  pointPublishArgv,
  rebaseArgv,
  sha256Argv,
  treeRemoveArgv,
} from "./host-files";
import { hostPipe } from "./host-pipe";
import { backupJobRetention } from "./retention-run";
import { backupJobFollow } from "./job-follow";
import type { BackupTaskInput, StoredDisk } from "./kinds";
import {
  BACKUP_XML,
  CHECKPOINT_XML,
  DOMAIN_XML,
  SUMS_FILE,
  imageFile,
  parentImageRelative,
  type PointLayout,
} from "./layout";
import type { Plan } from "./plan";
import { hostRun, mib, secs1 } from "./steps-common";
import { msg } from "@/lib/tasks/task-text";
import { errorText } from "@/lib/tasks/registry";

/** The steps of one backup run (lib/backup/run.ts): write the images, stream them, publish the point. */

const EXEC_LONG_MS = 6 * 3600_000;

/** One run's facts, shared by its steps. */
export interface RunState {
  ctx: TaskContext;
  input: BackupTaskInput;
  repo: { id: string; name: string; path: string };
  src: HostClient;
  dst: HostClient;
  remote: boolean;
  plan: Plan;
  pointId: string;
  layout: PointLayout;
  /** Where the images are written first: the point's partial directory, or staging on the VM's host. */
  work: string;
  cpName: string | null;
  liveXml: string;
  inactiveXml: string;
  started: number;
}

const cancelled = (ctx: TaskContext) => (ctx.signal.reason as Error | undefined) ?? new TaskCancelledError();

/** Running VM: libvirt's push backup job, with the checkpoint the next incremental starts from. */
export async function imagesBackupJob(s: RunState): Promise<void> {
  const { ctx, src, plan, work, cpName } = s;
  const specs: BackupDiskSpec[] = plan.disks.map((d) => ({
    name: d.target,
    targetPath: `${work}/${imageFile(d.target)}`,
    mode: d.mode,
  }));
  // Disks not backed up (CD-ROMs...) are left out explicitly.
  const others = domainDisks(s.liveXml)
    .filter((d) => d.device !== "disk" && d.target)
    .map((d) => ({ name: d.target, backup: false }));
  const bxml = backupXmlBuild({ incremental: plan.incremental?.checkpoint, disks: [...specs, ...others] });
  await hostRun(src, fileWriteArgv(`${work}/${BACKUP_XML}`), "writing the backup XML", 30_000, bxml);
  let cpPath: string | undefined;
  if (cpName) {
    const cxml = checkpointXmlBuild({
      name: cpName,
      description: `virtdeck backup point ${s.pointId} in ${s.repo.name}`,
      disks: [
        ...plan.disks.map((d) => ({ name: d.target, bitmap: d.format === "qcow2" })),
        ...others.map((o) => ({ name: o.name, bitmap: false })),
      ],
    });
    cpPath = `${work}/${CHECKPOINT_XML}`;
    await hostRun(src, fileWriteArgv(cpPath), "writing the checkpoint XML", 30_000, cxml);
  }
  await backupBegin({
    host: src,
    uuid: s.input.vmUuid,
    backupXmlPath: `${work}/${BACKUP_XML}`,
    checkpointXmlPath: cpPath,
  });
  const info = await backupJobFollow(ctx, src, s.input.vmUuid, s.started);
  if (info?.processedBytes !== undefined)
    await ctx.log(msg("lines.backupJobCopied", { done: mib(info.processedBytes), total: mib(info.totalBytes ?? 0) }));
  await hostRun(src, treeRemoveArgv(`${work}/${BACKUP_XML}`), "cleaning up");
  if (cpPath) await hostRun(src, treeRemoveArgv(cpPath), "cleaning up");
}

/** Shut-off VM: each disk copied in full with qemu-img (which holds the image's lock meanwhile). */
export async function imagesCopy(s: RunState): Promise<void> {
  const { ctx, src, plan, work } = s;
  for (const [i, d] of plan.disks.entries()) {
    let pending = "";
    const r = await src.exec(
      convertArgv({ src: d.path, srcFormat: d.format, dst: `${work}/${imageFile(d.target)}`, dstFormat: "qcow2" }),
      EXEC_LONG_MS,
      {
        onStdout: (b) => {
          pending = (pending + b.toString("latin1")).slice(-200);
          const pct = parseConvertProgress(pending);
          if (pct !== null)
            void ctx.progress(
              5 + (85 * (i + pct / 100)) / plan.disks.length,
              msg("steps.backupDiskCopying", { disk: d.target, percent: Math.round(pct) }),
            );
        },
      },
    );
    if (ctx.signal.aborted) throw cancelled(ctx);
    if (r.code !== 0)
      throw new AppError(
        "action_failed",
        `${src.host.name}: copying disk ${d.target} failed: ${r.stderr.trim() || `exit ${r.code}`}`,
      );
  }
}

/** Repository on another host: each image streamed from the staging directory over SSH. */
export async function imagesStream(s: RunState): Promise<void> {
  const { ctx, src, dst } = s;
  for (const d of s.plan.disks) {
    const file = imageFile(d.target);
    await ctx.log(msg("lines.backupStreamingFile", { file, source: src.host.name, destination: dst.host.name }));
    const t0 = Date.now();
    const n = await hostPipe({
      from: src,
      fromArgv: fileReadArgv(`${s.work}/${file}`),
      to: dst,
      toArgv: fileWriteArgv(`${s.layout.partialDir}/${file}`),
      signal: ctx.signal,
      onBytes: (b) => void ctx.progress(90, msg("steps.backupStreaming", { file, mib: mib(b) })),
    });
    await ctx.log(msg("lines.backupStreamed", { mib: mib(n), seconds: secs1((Date.now() - t0) / 1000) }));
  }
  await hostRun(src, treeRemoveArgv(s.work), "removing the staging directory");
}

/**
 * Links incremental images to the previous point, stores the definition and the checksums,
 * renames the partial directory to its final name and records the point. Returns the bytes stored.
 */
export async function pointPublish(s: RunState): Promise<number> {
  const { ctx, dst, plan, layout } = s;
  await ctx.progress(92, msg("steps.backupChecksumming"));
  if (plan.incremental)
    for (const d of plan.disks.filter((x) => x.mode === "incremental"))
      await hostRun(
        dst,
        rebaseArgv(
          `${layout.partialDir}/${imageFile(d.target)}`,
          parentImageRelative(plan.incremental.parentId, d.target),
        ),
        `linking ${d.target} to the previous point`,
      );
  await hostRun(
    dst,
    fileWriteArgv(`${layout.partialDir}/${DOMAIN_XML}`),
    "storing the VM definition",
    30_000,
    s.inactiveXml,
  );
  const files = [...plan.disks.map((d) => imageFile(d.target)), DOMAIN_XML];
  const sums = parseSha256(await hostRun(dst, sha256Argv(layout.partialDir, files), "checksumming", EXEC_LONG_MS));
  for (const f of files) if (!sums.get(f)) throw new AppError("action_failed", `No checksum for ${f}`);
  const sumsText = files.map((f) => `${sums.get(f)} *${f}\n`).join("");
  await hostRun(dst, fileWriteArgv(`${layout.partialDir}/${SUMS_FILE}`), "storing the checksums", 30_000, sumsText);
  const paths = plan.disks.map((d) => `${layout.partialDir}/${imageFile(d.target)}`);
  const sizes = parseAllocated(await hostRun(dst, allocatedArgv(paths), "reading sizes"));
  const disks: StoredDisk[] = plan.disks.map((d, i) => ({
    target: d.target,
    file: imageFile(d.target),
    sourceFormat: d.format,
    fileSize: sizes.get(paths[i])?.size ?? 0,
    bytes: sizes.get(paths[i])?.allocated ?? 0,
    sha256: sums.get(imageFile(d.target))!,
    mode: d.mode,
  }));
  const bytes = disks.reduce((a, d) => a + d.bytes, 0);
  if (ctx.signal.aborted) throw cancelled(ctx);
  await hostRun(dst, pointPublishArgv(layout.partialDir, layout.finalDir), "publishing the point");
  try {
    await db().backupPoint.create({
      data: {
        id: s.pointId,
        repositoryId: s.repo.id,
        hostId: s.input.hostId,
        vmUuid: s.input.vmUuid,
        vmName: s.input.vmName,
        kind: plan.incremental ? "incremental" : "full",
        parentId: plan.incremental?.parentId ?? null,
        checkpoint: s.cpName,
        method: plan.running ? "backup-begin" : "copy",
        disks: disks as unknown as Prisma.InputJsonValue,
        bytes: BigInt(bytes),
        domainXml: s.inactiveXml,
        taskId: ctx.taskId,
        jobId: s.input.jobId,
      },
    });
  } catch (err) {
    await dst.exec(treeRemoveArgv(layout.finalDir)).catch(() => {});
    throw err;
  }
  return bytes;
}

/** After a point was recorded: older checkpoints of this repository's points go, then the job's retention. */
export async function afterPublish(s: RunState): Promise<void> {
  const { ctx, src, input } = s;
  const older = await db().backupPoint.findMany({
    where: {
      repositoryId: s.repo.id,
      vmUuid: input.vmUuid,
      hostId: input.hostId,
      id: { not: s.pointId },
      checkpoint: { not: null },
    },
    select: { id: true, checkpoint: true },
  });
  if (s.plan.running && s.cpName)
    for (const o of older) {
      await checkpointDelete({ host: src, uuid: input.vmUuid, name: o.checkpoint! }).catch(async (err: unknown) =>
        ctx.log(msg("lines.backupOldCheckpointKept", { checkpoint: o.checkpoint!, error: errorText(err) })),
      );
      await db().backupPoint.update({ where: { id: o.id }, data: { checkpoint: null } });
    }
  if (input.jobId) {
    const gone = await backupJobRetention(input.jobId).catch(async (err: unknown) => {
      await ctx.log(msg("lines.backupRetentionFailed", { error: errorText(err) }));
      return [] as string[];
    });
    if (gone.length) await ctx.log(msg("lines.backupRetentionRemoved", { count: gone.length }));
  }
}

/** Nothing half-written stays: the job (when still running), the checkpoint, the directories. */
export async function failedCleanup(s: RunState, cpCreated: boolean): Promise<void> {
  const { ctx, src, input } = s;
  if (s.plan.running) {
    const j = await backupJobInfo({ host: src, uuid: input.vmUuid }).catch(() => null);
    if (j && j.type !== "none") await backupJobAbort({ host: src, uuid: input.vmUuid }).catch(() => {});
  }
  if (cpCreated && s.cpName) {
    const gone = await checkpointDelete({ host: src, uuid: input.vmUuid, name: s.cpName }).catch(() => null);
    if (gone !== false)
      await ctx.log(
        msg("lines.backupCheckpointCleanup", { checkpoint: s.cpName, deleted: gone === null ? "no" : "yes" }),
      );
  }
  await s.dst.exec(treeRemoveArgv(s.layout.partialDir)).catch(() => {});
  if (s.remote) await src.exec(treeRemoveArgv(s.work)).catch(() => {});
  await ctx.log(msg("lines.backupPartialRemoved"));
}
