import "server-only";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { hostClient } from "@/lib/fleet/runtime";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import { restoreXmlBuild } from "@/lib/libvirt/restore-xml";
import { taskHandlerRegister, TaskCancelledError, type TaskContext } from "@/lib/tasks/registry";
import { domainDefine, domainLifecycle, domainNames } from "@/lib/virt/domain";
import { poolGet, poolRefreshQuiet } from "@/lib/virt/storage-pool";
import {
  DEST_EXISTS,
  fileReadArgv,
  fileWriteArgv,
  noClobberConvertArgv,
  parseConvertProgress,
  parseSha256,
  sha256Argv,
  treeRemoveArgv,
} from "./host-files";
import { hostPipe } from "./host-pipe";
import { DOMAIN_XML, pointLayout } from "./layout";
import { TASK_KIND_RESTORE, TASK_KIND_VERIFY, type StoredDisk } from "./kinds";
import { msg, type TaskText } from "@/lib/tasks/task-text";
import { mib } from "./steps-common";

/**
 * Restore a backup point as a new VM ("backup.restore") and verify a point ("backup.verify").
 *
 * A point's images read as whole disks: an incremental image's backing is its previous point
 * (relative path in the repository), so `qemu-img convert` of the newest image follows the chain
 * full -> incremental -> ... and writes one flat image. On the repository's host it writes the
 * new disk straight into the target pool; for another host it flattens into a temporary qcow2 in
 * the repository, streams it over virtdeck's SSH connections and converts it there.
 */
export { TASK_KIND_RESTORE, TASK_KIND_VERIFY } from "./kinds";

export const RestoreTaskInputSchema = z.object({
  pointId: z.uuid(),
  hostId: z.uuid(),
  name: z.string().min(1),
  pool: z.string().min(1),
  start: z.boolean().default(false),
});

const LONG_MS = 6 * 3600_000;

async function convertOn(
  ctx: TaskContext,
  h: HostClient,
  o: { src: string; srcFormat: string; dst: string; dstFormat: string },
  label: { phase: "flatten" | "write" | "restore"; disk: string },
  range: [number, number],
) {
  let pending = "";
  const r = await h.exec(noClobberConvertArgv(o), LONG_MS, {
    onStdout: (b) => {
      pending = (pending + b.toString("latin1")).slice(-200);
      const pct = parseConvertProgress(pending);
      if (pct !== null)
        void ctx.progress(
          range[0] + ((range[1] - range[0]) * pct) / 100,
          msg("steps.restoreDisk", { ...label, percent: Math.round(pct) }),
        );
    },
  });
  if (r.code === DEST_EXISTS) throw new AppError("conflict", `${h.host.name}: ${o.dst} exists`);
  // A failed convert may leave the part it wrote: this run created the file (it did not exist).
  if (r.code !== 0) await h.exec(treeRemoveArgv(o.dst)).catch(() => {});
  if (r.code !== 0)
    throw new AppError("action_failed", `${h.host.name}: ${label} failed: ${r.stderr.trim() || `exit ${r.code}`}`);
}

/** Restore to another host: flatten in the repository, stream over SSH, convert on the target. */
async function diskRestoreRemote(
  ctx: TaskContext,
  o: {
    repoHost: HostClient;
    target: HostClient;
    repoPath: string;
    src: string;
    dir: string;
    dst: string;
    fmt: string;
    disk: string;
    span: [number, number];
    temps: { h: HostClient; path: string }[];
  },
): Promise<void> {
  const { repoHost, target, span, temps } = o;
  const mid = (span[0] + span[1]) / 2;
  const flat = `${o.repoPath}/.restore-${ctx.taskId}-${o.disk}.qcow2`;
  temps.push({ h: repoHost, path: flat });
  await convertOn(
    ctx,
    repoHost,
    { src: o.src, srcFormat: "qcow2", dst: flat, dstFormat: "qcow2" },
    { phase: "flatten", disk: o.disk },
    [span[0], mid],
  );
  const transfer = `${o.dir}/.virtdeck-restore-${ctx.taskId}-${o.disk}.qcow2`;
  temps.push({ h: target, path: transfer });
  const n = await hostPipe({
    from: repoHost,
    fromArgv: fileReadArgv(flat),
    to: target,
    toArgv: fileWriteArgv(transfer),
    signal: ctx.signal,
    onBytes: (b) => void ctx.progress(mid, msg("steps.restoreStreaming", { disk: o.disk, mib: mib(b) })),
  });
  await ctx.log(msg("lines.restoreStreamed", { mib: mib(n), disk: o.disk, host: target.host.name }));
  await convertOn(
    ctx,
    target,
    { src: transfer, srcFormat: "qcow2", dst: o.dst, dstFormat: o.fmt },
    { phase: "write", disk: o.disk },
    [mid, span[1]],
  );
}

async function restore(ctx: TaskContext) {
  const input = RestoreTaskInputSchema.parse(ctx.input);
  const point = await db().backupPoint.findUnique({ where: { id: input.pointId }, include: { repository: true } });
  if (!point) throw new AppError("not_found", "The backup point no longer exists");
  const repoHost = await hostClient(point.repository.hostId, { commandErrorCode: "action_failed" });
  const target =
    input.hostId === point.repository.hostId
      ? repoHost
      : await hostClient(input.hostId, { commandErrorCode: "action_failed" });
  if ((await domainNames({ host: target })).includes(input.name))
    throw new AppError("conflict", `${target.host.name} already has a VM named "${input.name}"`);
  const pool = await poolGet({ host: target, pool: input.pool });
  const dir = pool.targetPath?.replace(/\/+$/, "");
  if (!dir || !["dir", "fs", "netfs"].includes(pool.type))
    throw new AppError("invalid_state", `Pool ${input.pool} is not a directory pool: restore into a directory pool`);
  const { finalDir } = pointLayout(point.repository.path, point.vmUuid, point.id);
  const disks = point.disks as unknown as StoredDisk[];
  const created: string[] = [];
  const temps: { h: HostClient; path: string }[] = [];
  await ctx.log(
    msg("lines.restoreStarting", {
      kind: point.kind,
      when: point.createdAt.getTime(),
      vm: point.vmName,
      name: input.name,
      host: target.host.name,
      pool: input.pool,
    }),
  );
  try {
    const map = new Map<string, { path: string; format: string }>();
    for (const [i, d] of disks.entries()) {
      const fmt = d.sourceFormat === "raw" ? "raw" : "qcow2";
      const dst = `${dir}/${input.name}-${d.target}.${fmt}`;
      const span: [number, number] = [5 + (85 * i) / disks.length, 5 + (85 * (i + 1)) / disks.length];
      if (target === repoHost) {
        await convertOn(
          ctx,
          repoHost,
          { src: `${finalDir}/${d.file}`, srcFormat: "qcow2", dst, dstFormat: fmt },
          { phase: "restore", disk: d.target },
          span,
        );
        created.push(dst);
      } else {
        await diskRestoreRemote(ctx, {
          repoHost,
          target,
          repoPath: point.repository.path,
          src: `${finalDir}/${d.file}`,
          dir,
          dst,
          fmt,
          disk: d.target,
          span,
          temps,
        });
        created.push(dst);
      }
      if (ctx.signal.aborted) throw ctx.signal.reason ?? new TaskCancelledError();
      map.set(d.target, { path: dst, format: fmt });
    }
    for (const t of temps.splice(0)) await t.h.exec(treeRemoveArgv(t.path)).catch(() => {});
    await poolRefreshQuiet({ host: target, pool: input.pool });
    const uuid = randomUUID();
    const xml = restoreXmlBuild(point.domainXml, { name: input.name, uuid, disks: map });
    await domainDefine({ host: target, xml });
    await ctx.log(msg("lines.restoreDefined", { name: input.name, uuid, host: target.host.name }));
    if (input.start) {
      await domainLifecycle({ host: target, uuid, verb: "start" });
      await ctx.log(msg("lines.restoreStarted", { name: input.name }));
    }
    return { hostId: target.host.id, uuid, name: input.name };
  } catch (err) {
    for (const t of temps) await t.h.exec(treeRemoveArgv(t.path)).catch(() => {});
    for (const p of created) await target.exec(treeRemoveArgv(p)).catch(() => {});
    if (created.length) await poolRefreshQuiet({ host: target, pool: input.pool }).catch(() => {});
    throw err;
  }
}

export const VerifyTaskInputSchema = z.object({ pointId: z.uuid() });

/** Re-checksums a point's files on the repository's host against what was recorded when it was taken. */
export async function pointVerifyRun(pointId: string, log: (line: TaskText) => Promise<void>) {
  const point = await db().backupPoint.findUnique({ where: { id: pointId }, include: { repository: true } });
  if (!point) throw new AppError("not_found", "The backup point no longer exists");
  const h = await hostClient(point.repository.hostId, { commandErrorCode: "action_failed" });
  const { finalDir } = pointLayout(point.repository.path, point.vmUuid, point.id);
  const disks = point.disks as unknown as StoredDisk[];
  const files = disks.map((d) => d.file);
  const r = await h.exec(sha256Argv(finalDir, [...files, DOMAIN_XML]), LONG_MS);
  const sums = parseSha256(r.stdout);
  const bad: string[] = [];
  for (const d of disks) {
    const got = sums.get(d.file);
    if (got !== d.sha256) bad.push(`${d.file}: ${got ? "checksum differs" : "missing or unreadable"}`);
    else await log(msg("lines.verifyMatches", { file: d.file }));
  }
  if (r.code !== 0 && !bad.length) bad.push(r.stderr.trim() || `sha256sum exit ${r.code}`);
  if (bad.length) throw new AppError("action_failed", `Backup point ${point.id} is damaged: ${bad.join("; ")}`);
  await db().backupPoint.update({ where: { id: point.id }, data: { verifiedAt: new Date() } });
  return { pointId: point.id, files: files.length, ok: true };
}

async function verify(ctx: TaskContext) {
  const input = VerifyTaskInputSchema.parse(ctx.input);
  return pointVerifyRun(input.pointId, (l) => ctx.log(l));
}

taskHandlerRegister(TASK_KIND_RESTORE, restore, { cancellable: true });
taskHandlerRegister(TASK_KIND_VERIFY, verify);
