import "server-only";
import { z } from "zod";
import { auditBy, type AuditBy } from "@/lib/audit/audit";
import { authorizeOrThrow, type DeniedRequest } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { db } from "@/lib/db/client";
import type { HostClient } from "@/lib/hosts/client";
import type { HostView } from "@/lib/fleet/hosts";
import { AppError } from "@/lib/http/errors";
import type { VolumeWire } from "@/lib/libvirt/storage-xml";
import { declaredImageFormat, imageInspect } from "@/lib/storage/image-inspect";
import {
  partialVolumeForget,
  partialVolumeRecord,
  partialVolumeRemove,
  partialVolumesSweep,
} from "@/lib/storage/partial-volumes";
import { storageClient } from "@/lib/storage/storage";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { taskEnqueue } from "@/lib/tasks/tasks";
import { poolGetMany } from "@/lib/virt/storage-pool";
import { volumeCreate, volumeFind, volumePaths } from "@/lib/virt/storage-volume";
import {
  TemplateImageCopyRequestSchema,
  type TemplateImageCopyRequest,
  type TemplateImageCopyView,
  type TemplateView,
} from "@/lib/contracts/provisioning";
import { copyPercent, copyVerifyMethod, sha256sumParse } from "./template-image-copy-parts";
import { volumeCopyBetweenHosts, volumeHashByDownload } from "./template-image-copy-stream";
import { templateGet, templateManageAuthorize } from "@/lib/templates/templates";

/**
 * Templates across hosts: an image template's base volume copied from a host that has it to another
 * host's pool (task `template.image-copy`), streamed through virtdeck's SSH connections (no trust
 * between hosts), hashed in the app and verified on the destination, then recorded
 * (TemplateImageCopy) so deploying the template there clones the copy. The destination volume is
 * created with the format the template declares for its base image (its first disk), never the one
 * the bytes claim; it is recorded as partial until verified, and deleted on failure or cancel.
 */
export const IMAGE_COPY_KIND = "template.image-copy";

const CopyInputSchema = z.object({
  templateId: z.uuid(),
  templateName: z.string(),
  sourceHostId: z.uuid(),
  srcPool: z.string(),
  srcVolume: z.string(),
  hostId: z.uuid(),
  pool: z.string(),
  volume: z.string(),
  format: z.enum(["qcow2", "raw"]),
  capacityBytes: z.number().int().positive(),
  lengthBytes: z.number().int().positive(),
  actor: z.object({ id: z.string().nullable(), name: z.string() }),
  ip: z.string(),
});
type CopyInput = z.infer<typeof CopyInputSchema>;

/** Transfer share of the bar; verification (sha256 on the destination, image check) is the rest. */
const TRANSFER_TO = 90;

const invalid = (path: string, message: string, text: string, data?: Record<string, unknown>) =>
  new AppError("invalid_input", text, { issues: [{ path, message }], ...(data ? { data } : {}) });

/** The copies recorded for a template, with their host's name. */
export async function templateImageCopiesList(templateId: string): Promise<TemplateImageCopyView[]> {
  await templateGet(templateId); // 404 for an unknown template
  const rows = await db().templateImageCopy.findMany({
    where: { templateId },
    include: { host: { select: { name: true } } },
    orderBy: { createdAt: "asc" },
  });
  return rows.map((r) => ({
    id: r.id,
    templateId: r.templateId,
    hostId: r.hostId,
    hostName: r.host.name,
    pool: r.pool,
    volume: r.volume,
    sha256: r.sha256,
    bytes: Number(r.bytes),
    createdAt: r.createdAt.toISOString(),
  }));
}

/**
 * Where a template's base image is on `hostId`: a recorded copy still present there, else the
 * template's own pool/volume when the host has it, else null.
 */
export async function templateBaseImageOn(
  host: HostClient,
  t: TemplateView,
): Promise<{ pool: string; volume: string; copy: boolean } | null> {
  if (t.source.kind !== "image") return null;
  const copy = await db().templateImageCopy.findUnique({
    where: { templateId_hostId: { templateId: t.id, hostId: host.host.id } },
  });
  if (copy && (await volumeFind({ host, ref: { pool: copy.pool, name: copy.volume } })))
    return { pool: copy.pool, volume: copy.volume, copy: true };
  if (await volumeFind({ host, ref: { pool: t.source.pool, name: t.source.volume } }))
    return { pool: t.source.pool, volume: t.source.volume, copy: false };
  return null;
}

/** The size of the bytes a copy of the template's base image moves (from its default host), or null when unknown. */
export async function templateBaseImageBytes(t: TemplateView): Promise<number | null> {
  if (t.source.kind !== "image" || !t.defaultHostId) return null;
  try {
    const src = await storageClient(t.defaultHostId);
    const v = await volumeFind({ host: src, ref: { pool: t.source.pool, name: t.source.volume } });
    return v ? (v.physicalBytes ?? v.capacityBytes) : null;
  } catch {
    return null;
  }
}

/** The host to copy from and its pool/volume: the template's default host (or `sourceHostId`), via a recorded copy there if any. */
async function copySource(
  t: TemplateView & { source: { kind: "image" } },
  sourceHostId: string | undefined,
): Promise<{ hostId: string; pool: string; volume: string }> {
  const hostId = sourceHostId ?? t.defaultHostId;
  if (!hostId)
    throw invalid(
      "sourceHostId",
      "Name the host that has the base image",
      `Template "${t.name}" has no default host: sourceHostId must name a host that has its base image`,
    );
  if (hostId === t.defaultHostId) return { hostId, pool: t.source.pool, volume: t.source.volume };
  const copy = await db().templateImageCopy.findUnique({ where: { templateId_hostId: { templateId: t.id, hostId } } });
  return copy
    ? { hostId, pool: copy.pool, volume: copy.volume }
    : { hostId, pool: t.source.pool, volume: t.source.volume };
}

async function hostOrInvalid(hostId: string, field: string): Promise<HostClient<HostView>> {
  const exists = await db().host.findUnique({ where: { id: hostId }, select: { id: true } });
  if (!exists) throw invalid(field, "Unknown host", `${field}: no such host`);
  return storageClient(hostId);
}

/** Refuses a destination pool that is missing or too small, and a volume name already taken there (409). */
async function destinationCheck(
  dst: HostClient<HostView>,
  pool: string,
  volume: string,
  bytes: number,
): Promise<string> {
  const [p] = await poolGetMany({ host: dst, pools: [pool] });
  if (!p) throw invalid("pool", "No such pool on this host", `${dst.host.name}: no storage pool "${pool}"`);
  if (await volumeFind({ host: dst, ref: { pool, name: volume } }))
    throw new AppError(
      "conflict",
      `volume: pool "${pool}" on ${dst.host.name} already has a volume named "${volume}"`,
      {
        issues: [{ path: "volume", message: `Already exists in pool ${pool}` }],
      },
    );
  if (p.availableBytes && p.availableBytes < bytes)
    throw invalid(
      "pool",
      "Not enough free space",
      `${dst.host.name}: pool "${pool}" has ${p.availableBytes} bytes free, the base image needs ${bytes}`,
    );
  return p.type;
}

/**
 * Checks and queues a copy of template `id`'s base image to `body.hostId`/`body.pool`. The caller
 * needs template.manage where the template is bound and at the source host, and vm.create on the
 * destination host (the copy exists to deploy there).
 */
export async function templateImageCopyEnqueue(
  caller: Caller,
  id: string,
  input: TemplateImageCopyRequest,
  request?: DeniedRequest,
): Promise<{ taskId: string }> {
  const body = TemplateImageCopyRequestSchema.parse(input);
  const t = await templateGet(id);
  await templateManageAuthorize(caller.principal, t.defaultHostId, request);
  await authorizeOrThrow(caller.principal, "vm.create", { hostId: body.hostId }, request);
  if (t.source.kind !== "image")
    throw invalid("templateId", "No base image", `Template "${t.name}" has no base image to copy`);
  const tImg = t as TemplateView & { source: { kind: "image"; pool: string; volume: string } };
  const from = await copySource(tImg, body.sourceHostId);
  if (from.hostId !== t.defaultHostId) await templateManageAuthorize(caller.principal, from.hostId, request);
  if (from.hostId === body.hostId)
    throw invalid("hostId", "The base image is copied from this host", "hostId: the destination is the source host");
  const src = await hostOrInvalid(from.hostId, "sourceHostId");
  const dst = await hostOrInvalid(body.hostId, "hostId");
  const vol: VolumeWire | null = await volumeFind({ host: src, ref: { pool: from.pool, name: from.volume } });
  if (!vol?.path)
    throw invalid(
      "sourceHostId",
      "The base image is not on this host",
      `${src.host.name}: no base image "${from.volume}" in pool "${from.pool}"`,
    );
  const format = tImg.disks[0].format;
  // Only an image that passes the check as its declared format leaves its host (no backing or data file).
  await imageInspect({
    host: src,
    path: vol.path,
    declaredFormat: declaredImageFormat(format),
    label: `the base image ${from.pool}/${from.volume}`,
  });
  const volume = body.volume ?? from.volume;
  const lengthBytes = vol.physicalBytes ?? vol.capacityBytes;
  await destinationCheck(dst, body.pool, volume, lengthBytes);
  const copyInput: CopyInput = {
    templateId: t.id,
    templateName: t.name,
    sourceHostId: from.hostId,
    srcPool: from.pool,
    srcVolume: from.volume,
    hostId: body.hostId,
    pool: body.pool,
    volume,
    format,
    capacityBytes: vol.capacityBytes,
    lengthBytes,
    actor: caller.actor,
    ip: caller.ip,
  };
  const task = await taskEnqueue(caller, {
    kind: IMAGE_COPY_KIND,
    title: `Copy the base image of ${t.name} to ${dst.host.name}`,
    titleMessage: { key: "titles.templateImageCopy", params: { template: t.name, host: dst.host.name } },
    hostId: body.hostId,
    input: copyInput,
  });
  return { taskId: task.id };
}

function auditCopy(input: CopyInput, outcome: "success" | "failure", details: Record<string, unknown>) {
  const by: AuditBy = { actor: input.actor, ip: input.ip };
  return auditBy(by, {
    action: "template.image-copy",
    outcome,
    target: { type: "template", id: input.templateId, name: input.templateName },
    details: {
      sourceHostId: input.sourceHostId,
      source: `${input.srcPool}/${input.srcVolume}`,
      hostId: input.hostId,
      destination: `${input.pool}/${input.volume}`,
      ...details,
    },
  });
}

/** Checks the destination's bytes against the sha256 computed while streaming. */
async function destinationVerify(ctx: TaskContext, dst: HostClient<HostView>, input: CopyInput, sha256: string) {
  await ctx.progress(TRANSFER_TO, msg("steps.imageCopyVerifying"));
  const [p] = await poolGetMany({ host: dst, pools: [input.pool] });
  const [path] = await volumePaths({ host: dst, refs: [{ pool: input.pool, name: input.volume }] });
  let found: string | null;
  if (copyVerifyMethod(p?.type ?? "") === "sha256sum") {
    const r = await dst.exec(["sha256sum", "--", path], 6 * 3600_000);
    found = r.code === 0 ? sha256sumParse(r.stdout) : null;
    if (!found)
      throw new AppError("host_error", `${dst.host.name}: sha256sum failed: ${r.stderr.trim() || `exit ${r.code}`}`);
  } else {
    found = await volumeHashByDownload({
      host: dst,
      pool: input.pool,
      name: input.volume,
      length: input.lengthBytes,
      signal: ctx.signal,
    });
  }
  if (found !== sha256)
    throw new AppError("host_error", `${dst.host.name}: the copy's sha256 is ${found}, the bytes sent had ${sha256}`);
  await ctx.log(msg("lines.imageCopyVerified", { sha256, host: dst.host.name }));
  return path;
}

/** Records the verified copy (one per template and host: a newer copy replaces the record). */
async function copyRecord(input: CopyInput, sent: { sha256: string; bytes: number }) {
  const fields = { pool: input.pool, volume: input.volume, sha256: sent.sha256, bytes: BigInt(sent.bytes) };
  await db().templateImageCopy.upsert({
    where: { templateId_hostId: { templateId: input.templateId, hostId: input.hostId } },
    create: { templateId: input.templateId, hostId: input.hostId, ...fields },
    update: { ...fields, createdAt: new Date() },
  });
}

/** Creates the empty destination volume, recorded as partial first (a dead instance's sweep then finds it). */
async function destinationCreate(ctx: TaskContext, dst: HostClient<HostView>, input: CopyInput): Promise<string> {
  const partial = await partialVolumeRecord({ hostId: dst.host.id, pool: input.pool, name: input.volume }, ctx.taskId);
  try {
    await volumeCreate({
      host: dst,
      pool: input.pool,
      name: input.volume,
      capacity: String(input.capacityBytes),
      format: input.format,
    });
  } catch (err) {
    await partialVolumeForget(partial); // not created (the name was taken meanwhile...): nothing of ours to remove
    await auditCopy(input, "failure", { error: err instanceof Error ? err.message : String(err) });
    throw err;
  }
  return partial;
}

/** The transfer with its progress: the task's bar and message, and a log line per quarter. */
function transfer(ctx: TaskContext, src: HostClient<HostView>, dst: HostClient<HostView>, input: CopyInput) {
  const total = input.lengthBytes;
  let lastLogged = 0;
  return volumeCopyBetweenHosts({
    src: { host: src, pool: input.srcPool, name: input.srcVolume },
    dst: { host: dst, pool: input.pool, name: input.volume },
    length: total,
    signal: ctx.signal,
    onBytes: (done) => {
      const percent = Math.floor((done / total) * 100);
      void ctx.progress(copyPercent(done, total, 1, TRANSFER_TO), msg("steps.imageCopying", { done, total, percent }));
      if (percent >= lastLogged + 25 || done === total) {
        lastLogged = percent - (percent % 25);
        void ctx.log(msg("lines.imageCopyProgress", { done, total, percent })).catch(() => {});
      }
    },
  });
}

async function copyRun(ctx: TaskContext) {
  const input = CopyInputSchema.parse(ctx.input);
  const src = await storageClient(input.sourceHostId);
  const dst = await storageClient(input.hostId);
  await ctx.log(
    msg("lines.imageCopyStarting", {
      bytes: input.lengthBytes,
      source: `${input.srcPool}/${input.srcVolume}`,
      from: src.host.name,
      destination: `${input.pool}/${input.volume}`,
      to: dst.host.name,
    }),
  );
  const partial = await destinationCreate(ctx, dst, input);
  try {
    await ctx.progress(1, msg("steps.imageCopying", { done: 0, total: input.lengthBytes, percent: 0 }));
    const sent = await transfer(ctx, src, dst, input);
    await ctx.log(msg("lines.imageCopySent", { bytes: sent.bytes, sha256: sent.sha256 }));
    const path = await destinationVerify(ctx, dst, input, sent.sha256);
    const declaredFormat = declaredImageFormat(input.format);
    await imageInspect({ host: dst, path, declaredFormat, label: `${input.pool}/${input.volume}` });
    await copyRecord(input, sent);
    await partialVolumeForget(partial);
    await auditCopy(input, "success", { sha256: sent.sha256, bytes: sent.bytes });
    await ctx.progress(100, msg("steps.imageCopied", { host: dst.host.name }));
    const { templateId, hostId, pool, volume } = input;
    return { templateId, hostId, pool, volume, sha256: sent.sha256, bytes: sent.bytes };
  } catch (err) {
    const deleted = await partialVolumeRemove(partial);
    await ctx
      .log(msg(deleted ? "lines.partialDeleted" : "lines.partialDeleteRetrying", { name: input.volume }))
      .catch(() => {});
    const error = ctx.signal.aborted ? "cancelled" : err instanceof Error ? err.message : String(err);
    await auditCopy(input, "failure", { error }).catch(() => {});
    throw err;
  }
}

taskHandlerRegister(IMAGE_COPY_KIND, copyRun, {
  cancellable: true,
  // The destination's PartialVolume row outlives a dead instance: the sweep removes the volume.
  onInterrupted: async () => void (await partialVolumesSweep()),
});
