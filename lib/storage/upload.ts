import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { once } from "node:events";
import { z } from "zod";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import type { CommandStream } from "@/lib/hosts/transport";
import { virshMessage } from "@/lib/hosts/client-errors";
import { volumeCreate, volumePaths, volumeUploadStream } from "@/lib/virt/storage-volume";
import { poolRefresh } from "@/lib/virt/storage-pool";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { taskRunAttached } from "@/lib/tasks/runner";
import type { TaskView } from "@/lib/contracts/tasks";
import { ImageMagicCollector } from "./image-magic";
import { declaredImageFormat, imageInspect } from "./image-inspect";
import { PoolNameSchema, storageClient, VolumeNameSchema } from "./storage";
import { partialVolumeForget, partialVolumeRecord, partialVolumeRemove, partialVolumesSweep } from "./partial-volumes";

/**
 * Browser -> app -> SSH -> pool upload of an ISO or disk image, streamed end to end
 * (never buffered whole): the request body is piped into `virsh vol-upload ...
 * /dev/stdin` on an SSH channel, with backpressure. It runs as a task attached to
 * the request (the bytes exist only in this instance), with progress, cancel and
 * clean abort: whatever goes wrong, the partial volume is deleted.
 *
 * Safety: the stream's first bytes (gathered across chunks, however small) and its
 * last 512 must not look like another image format than the declared one (see
 * image-magic.ts): a raw or ISO upload that is really a qcow2, vmdk, vhdx, luks...
 * image would be opened as that format by anything that probes it, and follow the
 * backing, data or extent files its header names. Once uploaded, the image is
 * inspected as declared (imageInspect: no backing file, no data file, qemu-img's
 * probe agrees). A refused upload is deleted.
 */
export const UPLOAD_KIND = "storage.upload";

export const UploadQuerySchema = z.object({
  pool: PoolNameSchema,
  name: VolumeNameSchema,
  format: z.enum(["iso", "raw", "qcow2"]),
  size: z.coerce.number().int().positive("the file is empty"),
});
export type UploadQuery = z.infer<typeof UploadQuerySchema>;

/** Share of the bar the byte transfer takes; inspection is the rest. */
const TRANSFER_SHARE = 95;

taskHandlerRegister(
  UPLOAD_KIND,
  async () => {
    throw new Error(
      "An upload runs attached to the request that carries its bytes; it cannot be started from the queue",
    );
  },
  {
    cancellable: true,
    // Its PartialVolume row outlives the dead instance: the partial-volume sweep removes it.
    onInterrupted: async () => void (await partialVolumesSweep()),
  },
);

function killStream(stream: CommandStream | null): void {
  if (!stream) return;
  const ch = stream as CommandStream & { signal?: (s: string) => void; close?: () => void };
  try {
    ch.signal?.("KILL");
  } catch {}
  try {
    ch.close?.();
  } catch {}
  stream.destroy();
}

/** Pipes the request body into vol-upload's stdin with backpressure, checking the image's magic; returns the bytes sent. */
async function bytesSend(o: {
  stream: CommandStream;
  reader: ReadableStreamDefaultReader<Uint8Array>;
  q: UploadQuery;
  ctx: TaskContext;
  requestSignal: AbortSignal;
  hostName: string;
}): Promise<number> {
  const { stream, reader, q, ctx, requestSignal } = o;
  let stderr = "";
  stream.stderr.on("data", (b: Buffer) => (stderr = (stderr + b.toString("utf8")).slice(-4000)));
  stream.on("data", () => {}); // virsh prints nothing on success; keep the channel flowing
  const exited = new Promise<number | null>((resolve) => {
    stream.once("exit", (code: number | null) => resolve(typeof code === "number" ? code : null));
    stream.once("close", () => resolve(null));
  });
  // The host side ending before the body does (connection dropped, virsh died) stops the reading
  // at once: the rest of the body has nowhere to go.
  const hostGone = exited.then((code) => {
    throw new AppError(
      code === null ? "host_unreachable" : "host_error",
      code === null
        ? `${o.hostName}: the connection to the host was lost after ${sent} of ${q.size} bytes; the upload stopped`
        : `${o.hostName}: vol-upload ended after ${sent} of ${q.size} bytes: ${virshMessage(stderr)}`,
    );
  });
  hostGone.catch(() => {});
  let sent = 0;
  const magic = new ImageMagicCollector();
  let headChecked = false;
  const magicCheck = (found: string | null) => {
    if (q.format === "qcow2" ? found === "qcow2" : found === null) return;
    throw new AppError(
      "invalid_input",
      found
        ? `Refused: the file is a ${found} image, not ${q.format === "iso" ? "an ISO" : q.format}${found === "qcow2" ? " (upload it with format qcow2: it is then checked for backing files)" : ""}`
        : "Refused: the file does not start with a qcow2 header",
    );
  };
  await ctx.progress(0, msg("steps.uploading"));
  for (;;) {
    if (ctx.signal.aborted || requestSignal.aborted) break;
    const { value, done } = await Promise.race([reader.read(), hostGone]);
    if (done) break;
    magic.push(value);
    if (!headChecked && magic.headComplete) {
      headChecked = true;
      magicCheck(magic.detectHead());
    }
    sent += value.length;
    if (sent > q.size) throw new AppError("invalid_input", `The upload is larger than the announced ${q.size} bytes`);
    if (!stream.write(value)) await Promise.race([once(stream, "drain"), hostGone]);
    await ctx.progress((sent / q.size) * TRANSFER_SHARE, msg("steps.uploading"));
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  if (requestSignal.aborted || sent < q.size) {
    throw new AppError("action_failed", `The browser stopped sending after ${sent} of ${q.size} bytes`);
  }
  magicCheck(magic.detect());
  stream.end();
  const code = await exited;
  if (code === null)
    throw new AppError("host_unreachable", `${o.hostName}: the connection to the host was lost finishing the upload`);
  if (code !== 0) throw new AppError("host_error", `${o.hostName}: vol-upload failed: ${virshMessage(stderr)}`);
  return sent;
}

/** Creates the upload's volume, recorded as partial first: if this instance dies from here on, the sweep finds it. */
async function uploadVolumeCreate(
  client: Awaited<ReturnType<typeof storageClient>>,
  q: UploadQuery,
  taskId: string,
): Promise<string> {
  const partial = await partialVolumeRecord({ hostId: client.host.id, pool: q.pool, name: q.name }, taskId);
  try {
    await volumeCreate({ host: client, pool: q.pool, name: q.name, capacity: String(q.size), format: "raw" });
  } catch (err) {
    await partialVolumeForget(partial); // not created (a name taken...): nothing of ours to remove
    throw err;
  }
  return partial;
}

/** Removes a failed upload's partial volume, now or (retried in the background) once the host lets it. */
async function uploadVolumeRemove(partial: string, name: string, ctx: TaskContext): Promise<void> {
  const deleted = await partialVolumeRemove(partial);
  await ctx.log(msg(deleted ? "lines.partialDeleted" : "lines.partialDeleteRetrying", { name })).catch(() => {});
}

/**
 * Streams `body` into a new volume. Resolves with the finished task (succeeded, failed or
 * cancelled); throws only for problems found before the task starts (limits, unknown host).
 * For a failed one, uploadFailureError gives the error to answer with.
 */
export async function storageUpload(
  caller: Caller,
  hostId: string,
  query: UploadQuery,
  body: ReadableStream<Uint8Array>,
  requestSignal: AbortSignal,
): Promise<TaskView> {
  const q = UploadQuerySchema.parse(query);
  const max = env().VIRTDECK_UPLOAD_MAX_BYTES;
  if (q.size > max)
    throw new AppError("payload_too_large", `Uploads are limited to ${max} bytes (VIRTDECK_UPLOAD_MAX_BYTES)`);
  const client = await storageClient(hostId);
  const host = client.host;

  let failure: unknown;
  const handler = async (ctx: TaskContext) => {
    await ctx.log(msg("lines.uploadVolumeCreating", { name: q.name, bytes: q.size, pool: q.pool, host: host.name }));
    const partial = await uploadVolumeCreate(client, q, ctx.taskId);
    let stream: CommandStream | null = null;
    const reader = body.getReader();
    const abort = () => {
      killStream(stream);
      reader.cancel().catch(() => {});
    };
    ctx.signal.addEventListener("abort", abort, { once: true });
    requestSignal.addEventListener("abort", abort, { once: true });
    try {
      stream = await volumeUploadStream({ host: client, pool: q.pool, name: q.name });
      const sent = await bytesSend({ stream, reader, q, ctx, requestSignal, hostName: host.name });
      await ctx.log(msg("lines.uploaded", { bytes: sent }));

      await ctx.progress(TRANSFER_SHARE, msg("steps.imageChecking"));
      await poolRefresh({ host: client, pools: [q.pool] });
      const [path] = await volumePaths({ host: client, refs: [{ pool: q.pool, name: q.name }] });
      const declared = declaredImageFormat(q.format);
      const info = await imageInspect({ host: client, path, declaredFormat: declared, label: q.name });
      await ctx.log(msg("lines.imageChecked", { declared, format: info.format, bytes: info.virtualSizeBytes }));
      await auditRecord({
        actor: caller.actor,
        action: "storage.upload",
        target: { type: "volume", id: `${host.id}/${q.pool}/${q.name}`, name: q.name },
        ip: caller.ip,
        details: { hostId: host.id, pool: q.pool, format: q.format, bytes: sent },
      });
      await partialVolumeForget(partial);
      await ctx.progress(100, msg("steps.uploaded"));
      return {
        pool: q.pool,
        name: q.name,
        path,
        format: q.format,
        bytes: sent,
        virtualSizeBytes: info.virtualSizeBytes,
      };
    } catch (err) {
      killStream(stream);
      reader.cancel().catch(() => {});
      await uploadVolumeRemove(partial, q.name, ctx);
      failure = err;
      throw err;
    } finally {
      ctx.signal.removeEventListener("abort", abort);
      requestSignal.removeEventListener("abort", abort);
    }
  };

  const { done } = await taskRunAttached(
    caller,
    {
      kind: UPLOAD_KIND,
      title: `Upload ${q.name} to ${q.pool}`,
      titleMessage: { key: "titles.storageUpload", params: { name: q.name, pool: q.pool } },
      hostId: host.id,
      input: { hostId: host.id, pool: q.pool, name: q.name, format: q.format, size: q.size },
    },
    handler,
  );
  const task = await done;
  if (failure !== undefined) failures.set(task, failure);
  return task;
}

const failures = new WeakMap<TaskView, unknown>();

/**
 * What a finished upload answers with when it failed (null when it succeeded or was cancelled):
 * the error that ended it, as thrown (anything else as host_error with the task's message),
 * naming the task whose log tells the rest.
 */
export function uploadFailureError(task: TaskView): AppError | null {
  if (task.status !== "failed") return null;
  const cause = failures.get(task);
  const data = { taskId: task.id };
  if (cause instanceof AppError)
    return new AppError(cause.code, cause.message, { ...cause.extra, data: { ...cause.extra.data, ...data } });
  return new AppError("host_error", task.error ?? "The upload failed", { data });
}
