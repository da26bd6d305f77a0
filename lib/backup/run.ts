import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import type { Prisma } from "@/lib/generated/prisma/client";
import { hostClient } from "@/lib/fleet/runtime";
import type { HostClient } from "@/lib/hosts/client";
import type { HostView } from "@/lib/fleet/hosts";
import { AppError } from "@/lib/http/errors";
import { backupXmlBuild, checkpointXmlBuild, type BackupDiskSpec } from "@/lib/libvirt/backup-xml";
import { domainDisks } from "@/lib/libvirt/domain-xml-update";
import type { DomJobInfo } from "@/lib/libvirt/domjobinfo-parse";
import { isActive } from "@/lib/libvirt/vm-state";
import { taskHandlerRegister, TaskCancelledError, type TaskContext } from "@/lib/tasks/registry";
import { backupBegin, backupJobAbort, backupJobCompleted, backupJobInfo } from "@/lib/virt/backup";
import { checkpointDelete, checkpointDetail, checkpointNames } from "@/lib/virt/checkpoint";
import { domainStateGet, domainXmlGet } from "@/lib/virt/domain";
import {
  allocatedArgv,
  convertArgv,
  fileWriteArgv,
  parseAllocated,
  parseConvertProgress,
  parseSha256,
  pointDirCreateArgv,
  pointPublishArgv,
  rebaseArgv,
  sha256Argv,
  treeRemoveArgv,
  fileReadArgv,
  partialsRemoveArgv,
} from "./host-files";
import { hostPipe } from "./host-pipe";
import {
  BACKUP_XML,
  CHECKPOINT_XML,
  DOMAIN_XML,
  SUMS_FILE,
  checkpointName,
  diskTargetSafe,
  imageFile,
  parentImageRelative,
  pointLayout,
  stagingDir,
} from "./layout";

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
 * exist.
 */
export const TASK_KIND_BACKUP = "backup.run";

export const BackupTaskInputSchema = z.object({
  repositoryId: z.uuid(),
  hostId: z.uuid(),
  vmUuid: z.uuid(),
  vmName: z.string(),
  jobId: z.uuid().nullable().default(null),
});
export type BackupTaskInput = z.infer<typeof BackupTaskInputSchema>;

const POLL_MS = 500;
const EXEC_LONG_MS = 6 * 3600_000;

export interface StoredDisk {
  target: string;
  file: string;
  sourceFormat: string;
  fileSize: number;
  bytes: number;
  sha256: string;
  /** How this disk was taken in this point. */
  mode: "full" | "incremental";
}

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;

async function run(h: HostClient, argv: readonly string[], what: string, timeoutMs = 120_000, stdin?: string) {
  const r = await h.exec(argv, timeoutMs, stdin === undefined ? {} : { stdin });
  if (r.code !== 0) throw new AppError("action_failed", `${h.host.name}: ${what} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  return r.stdout;
}

interface Plan {
  disks: { target: string; path: string; format: string; mode: "full" | "incremental" }[];
  incremental: { checkpoint: string; parentId: string } | null;
  running: boolean;
}

/** Which disks, full or incremental, and why: the task log says why a backup is full. */
async function planBackup(
  ctx: TaskContext,
  src: HostClient,
  input: BackupTaskInput,
  xml: string,
  running: boolean,
): Promise<Plan> {
  const disks = domainDisks(xml).filter((d) => d.device === "disk");
  if (!disks.length) throw new AppError("invalid_state", `${input.vmName} has no disks to back up`);
  for (const d of disks) {
    if (!d.path) throw new AppError("invalid_state", `Disk ${d.target} is not a file or block device: it cannot be backed up`);
    if (d.format !== "qcow2" && d.format !== "raw")
      throw new AppError("invalid_state", `Disk ${d.target} is ${d.format ?? "of no declared format"}: virtdeck backs up qcow2 and raw disks`);
    if (!diskTargetSafe(d.target)) throw new AppError("invalid_state", `Disk target ${d.target} is not supported`);
  }
  const prev = await db().backupPoint.findMany({
    where: { repositoryId: input.repositoryId, vmUuid: input.vmUuid, hostId: input.hostId },
    orderBy: { createdAt: "desc" },
  });
  let incremental: Plan["incremental"] = null;
  const withCp = prev.find((p) => p.checkpoint);
  if (!prev.length) await ctx.log("First backup of this VM in this repository: full backup");
  else if (!running)
    await ctx.log("The VM is shut off: libvirt's backup job needs a running VM, so its disks are copied in full");
  else if (!withCp) await ctx.log("No earlier backup left a checkpoint (it was taken while the VM was shut off): full backup");
  else {
    const names = await checkpointNames({ host: src, uuid: input.vmUuid });
    if (!names.includes(withCp.checkpoint!))
      await ctx.log(
        `Checkpoint ${withCp.checkpoint} of the previous backup is gone from the VM (redefined, reverted or removed outside virtdeck): full backup`,
      );
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
    return { target: d.target, path: d.path!, format: d.format!, mode: (inc ? "incremental" : "full") as "full" | "incremental" };
  });
  if (incremental && !out.some((d) => d.mode === "incremental")) {
    await ctx.log("No disk has a dirty bitmap in the previous checkpoint (raw disks cannot hold one): full backup");
    incremental = null;
  }
  if (incremental)
    for (const d of out.filter((x) => x.mode === "full"))
      await ctx.log(`Disk ${d.target}: copied in full (${d.format === "raw" ? "raw disks have no dirty bitmap" : "new since the previous point"})`);
  return { disks: out, incremental, running };
}

/** Runs libvirt's backup job and follows it until it ends; aborts it on cancel. */
async function backupJobFollow(
  ctx: TaskContext,
  src: HostClient,
  uuid: string,
  started: number,
): Promise<DomJobInfo | null> {
  let aborted = false;
  let last: DomJobInfo | null = null;
  for (;;) {
    if (ctx.signal.aborted && !aborted) {
      aborted = true;
      await ctx.log("Cancelling: aborting libvirt's backup job");
      await backupJobAbort({ host: src, uuid });
    }
    const info = await backupJobInfo({ host: src, uuid });
    if (info.type === "none" || info.type === "completed" || info.type === "failed" || info.type === "cancelled") break;
    last = info;
    if (info.totalBytes) {
      const secs = (Date.now() - started) / 1000;
      const done = info.processedBytes ?? 0;
      await ctx.progress(5 + (85 * done) / info.totalBytes, `Backing up: ${mib(done)} of ${mib(info.totalBytes)} (${mib(done / Math.max(secs, 0.001))}/s)`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  const completed = await backupJobCompleted({ host: src, uuid });
  if (aborted || ctx.signal.aborted) throw ctx.signal.reason instanceof Error ? ctx.signal.reason : new TaskCancelledError();
  // "none": libvirt kept no statistics of the finished job; the images are checked (stat, sha256) next.
  if (completed && completed.type !== "completed" && completed.type !== "none")
    throw new AppError("action_failed", `${src.host.name}: the backup job ${completed.type}${completed.error ? `: ${completed.error}` : ""}`);
  return completed ?? last;
}

async function handler(ctx: TaskContext) {
  const input = BackupTaskInputSchema.parse(ctx.input);
  const repo = await db().backupRepository.findUnique({ where: { id: input.repositoryId } });
  if (!repo) throw new AppError("not_found", "The repository no longer exists");
  const src = await hostClient(input.hostId, { commandErrorCode: "action_failed" });
  const dst: HostClient<HostView> = repo.hostId === input.hostId ? src : await hostClient(repo.hostId, { commandErrorCode: "action_failed" });
  const remote = dst !== src;

  const state = await domainStateGet({ host: src, uuid: input.vmUuid });
  if (!state) throw new AppError("not_found", "VM not found");
  const running = isActive(state);
  const liveXml = await domainXmlGet({ host: src, uuid: input.vmUuid });
  const inactiveXml = await domainXmlGet({ host: src, uuid: input.vmUuid, inactive: true });
  const plan = await planBackup(ctx, src, input, liveXml, running);

  const pointId = randomUUID();
  const layout = pointLayout(repo.path, input.vmUuid, pointId);
  // Where the images are written first: the repository itself, or a staging directory on the VM's host.
  const work = remote ? stagingDir(pointId) : layout.partialDir;
  const cpName = plan.running && plan.disks.some((d) => d.format === "qcow2") ? checkpointName(pointId) : null;
  let cpCreated = false;
  const started = Date.now();
  await ctx.log(
    `${plan.incremental ? `Incremental backup since ${plan.incremental.checkpoint}` : "Full backup"} of ${plan.disks.map((d) => `${d.target} (${d.format})`).join(", ")} to ${repo.name} on ${dst.host.name}${remote ? ` (staged on ${src.host.name}, streamed over SSH)` : ""}`,
  );
  await ctx.progress(2, "Preparing the backup point");
  try {
    await run(dst, pointDirCreateArgv(layout.vmDir, layout.partialDir), "creating the point directory");
    if (remote) await run(src, pointDirCreateArgv("/var/tmp", work), "creating the staging directory");

    if (plan.running) {
      const specs: BackupDiskSpec[] = plan.disks.map((d) => ({
        name: d.target,
        targetPath: `${work}/${imageFile(d.target)}`,
        mode: d.mode,
      }));
      // Disks not backed up (CD-ROMs...) are left out explicitly.
      const others = domainDisks(liveXml)
        .filter((d) => d.device !== "disk" && d.target)
        .map((d) => ({ name: d.target, backup: false }));
      const bxml = backupXmlBuild({ incremental: plan.incremental?.checkpoint, disks: [...specs, ...others] });
      await run(src, fileWriteArgv(`${work}/${BACKUP_XML}`), "writing the backup XML", 30_000, bxml);
      let cpPath: string | undefined;
      if (cpName) {
        const cxml = checkpointXmlBuild({
          name: cpName,
          description: `virtdeck backup point ${pointId} in ${repo.name}`,
          disks: [
            ...plan.disks.map((d) => ({ name: d.target, bitmap: d.format === "qcow2" })),
            ...others.map((o) => ({ name: o.name, bitmap: false })),
          ],
        });
        cpPath = `${work}/${CHECKPOINT_XML}`;
        await run(src, fileWriteArgv(cpPath), "writing the checkpoint XML", 30_000, cxml);
      }
      // From here the checkpoint may exist (libvirt creates it as the job starts): a failure deletes it.
      cpCreated = !!cpName;
      await backupBegin({ host: src, uuid: input.vmUuid, backupXmlPath: `${work}/${BACKUP_XML}`, checkpointXmlPath: cpPath });
      const info = await backupJobFollow(ctx, src, input.vmUuid, started);
      if (info?.processedBytes !== undefined)
        await ctx.log(`libvirt's backup job copied ${mib(info.processedBytes)} of ${mib(info.totalBytes ?? 0)}`);
      await run(src, treeRemoveArgv(`${work}/${BACKUP_XML}`), "cleaning up");
      if (cpPath) await run(src, treeRemoveArgv(cpPath), "cleaning up");
    } else {
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
                void ctx.progress(5 + (85 * (i + pct / 100)) / plan.disks.length, `Copying disk ${d.target}: ${pct.toFixed(0)}%`);
            },
          },
        );
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new TaskCancelledError();
        if (r.code !== 0)
          throw new AppError("action_failed", `${src.host.name}: copying disk ${d.target} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
      }
    }

    if (remote) {
      for (const d of plan.disks) {
        const file = imageFile(d.target);
        await ctx.log(`Streaming ${file} from ${src.host.name} to ${dst.host.name}`);
        const t0 = Date.now();
        const n = await hostPipe({
          from: src,
          fromArgv: fileReadArgv(`${work}/${file}`),
          to: dst,
          toArgv: fileWriteArgv(`${layout.partialDir}/${file}`),
          signal: ctx.signal,
          onBytes: (b) => void ctx.progress(90, `Streaming ${file}: ${mib(b)}`),
        });
        await ctx.log(`Streamed ${mib(n)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
      await run(src, treeRemoveArgv(work), "removing the staging directory");
    }
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new TaskCancelledError();

    await ctx.progress(92, "Checksumming the backup point");
    if (plan.incremental)
      for (const d of plan.disks.filter((x) => x.mode === "incremental"))
        await run(
          dst,
          rebaseArgv(`${layout.partialDir}/${imageFile(d.target)}`, parentImageRelative(plan.incremental.parentId, d.target)),
          `linking ${d.target} to the previous point`,
        );
    await run(dst, fileWriteArgv(`${layout.partialDir}/${DOMAIN_XML}`), "storing the VM definition", 30_000, inactiveXml);
    const files = [...plan.disks.map((d) => imageFile(d.target)), DOMAIN_XML];
    const sums = parseSha256(await run(dst, sha256Argv(layout.partialDir, files), "checksumming", EXEC_LONG_MS));
    for (const f of files) if (!sums.get(f)) throw new AppError("action_failed", `No checksum for ${f}`);
    await run(
      dst,
      fileWriteArgv(`${layout.partialDir}/${SUMS_FILE}`),
      "storing the checksums",
      30_000,
      files.map((f) => `${sums.get(f)} *${f}\n`).join(""),
    );
    const sizes = parseAllocated(
      await run(dst, allocatedArgv(plan.disks.map((d) => `${layout.partialDir}/${imageFile(d.target)}`)), "reading sizes"),
    );
    const disks: StoredDisk[] = plan.disks.map((d) => {
      const s = sizes.get(`${layout.partialDir}/${imageFile(d.target)}`);
      return {
        target: d.target,
        file: imageFile(d.target),
        sourceFormat: d.format,
        fileSize: s?.size ?? 0,
        bytes: s?.allocated ?? 0,
        sha256: sums.get(imageFile(d.target))!,
        mode: d.mode,
      };
    });
    const bytes = disks.reduce((a, d) => a + d.bytes, 0);
    if (ctx.signal.aborted) throw ctx.signal.reason ?? new TaskCancelledError();
    await run(dst, pointPublishArgv(layout.partialDir, layout.finalDir), "publishing the point");
    try {
      await db().backupPoint.create({
        data: {
          id: pointId,
          repositoryId: repo.id,
          hostId: input.hostId,
          vmUuid: input.vmUuid,
          vmName: input.vmName,
          kind: plan.incremental ? "incremental" : "full",
          parentId: plan.incremental?.parentId ?? null,
          checkpoint: cpName,
          method: plan.running ? "backup-begin" : "copy",
          disks: disks as unknown as Prisma.InputJsonValue,
          bytes: BigInt(bytes),
          domainXml: inactiveXml,
          taskId: ctx.taskId,
          jobId: input.jobId,
        },
      });
    } catch (err) {
      await dst.exec(treeRemoveArgv(layout.finalDir)).catch(() => {});
      throw err;
    }
    cpCreated = false;
    // Older checkpoints of this repository's points for this VM are not needed any more.
    const older = await db().backupPoint.findMany({
      where: { repositoryId: repo.id, vmUuid: input.vmUuid, hostId: input.hostId, id: { not: pointId }, checkpoint: { not: null } },
      select: { id: true, checkpoint: true },
    });
    if (plan.running && cpName)
      for (const o of older) {
        await checkpointDelete({ host: src, uuid: input.vmUuid, name: o.checkpoint! }).catch(async (err: unknown) =>
          ctx.log(`Could not delete the older checkpoint ${o.checkpoint}: ${err instanceof Error ? err.message : err}`),
        );
        await db().backupPoint.update({ where: { id: o.id }, data: { checkpoint: null } });
      }
    if (input.jobId) {
      const { backupJobRetention } = await import("./jobs");
      const gone = await backupJobRetention(input.jobId).catch(async (err: unknown) => {
        await ctx.log(`Retention failed: ${err instanceof Error ? err.message : err}`);
        return [] as string[];
      });
      if (gone.length) await ctx.log(`Retention removed ${gone.length} older point(s)`);
    }
    const secs = (Date.now() - started) / 1000;
    await ctx.log(
      `Backup point ${pointId} complete: ${plan.incremental ? "incremental" : "full"}, ${mib(bytes)} stored in ${secs.toFixed(1)} s (${mib(bytes / Math.max(secs, 0.001))}/s)`,
    );
    return { pointId, kind: plan.incremental ? "incremental" : "full", bytes, seconds: secs, bytesPerSecond: Math.round(bytes / Math.max(secs, 0.001)) };
  } catch (err) {
    // Nothing half-written stays: the job (when still running), the checkpoint, the directories.
    if (plan.running) {
      const j = await backupJobInfo({ host: src, uuid: input.vmUuid }).catch(() => null);
      if (j && j.type !== "none") await backupJobAbort({ host: src, uuid: input.vmUuid }).catch(() => {});
    }
    if (cpCreated && cpName) {
      const gone = await checkpointDelete({ host: src, uuid: input.vmUuid, name: cpName }).catch(() => null);
      if (gone !== false)
        await ctx.log(gone === null ? `Could not delete checkpoint ${cpName}` : `Checkpoint ${cpName} of this failed run deleted`);
    }
    await dst.exec(treeRemoveArgv(layout.partialDir)).catch(() => {});
    if (remote) await src.exec(treeRemoveArgv(work)).catch(() => {});
    await ctx.log("The unfinished backup point was removed");
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
    (await db().backupPoint.findMany({ where: { vmUuid: input.vmUuid, checkpoint: { not: null } }, select: { checkpoint: true } })).map(
      (p) => p.checkpoint,
    ),
  );
  for (const name of await checkpointNames({ host: src, uuid: input.vmUuid }))
    if (name.startsWith("virtdeck-") && !recorded.has(name)) await checkpointDelete({ host: src, uuid: input.vmUuid, name });
}

taskHandlerRegister(TASK_KIND_BACKUP, handler, { cancellable: true, onInterrupted: interrupted });
