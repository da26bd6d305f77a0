import "server-only";
import { Readable } from "node:stream";
import { z } from "zod";
import { auditBy } from "@/lib/audit/audit";
import { authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import type { TaskView } from "@/lib/contracts/tasks";
import type { HostClient } from "@/lib/hosts/client";
import { virshMessage } from "@/lib/hosts/client-errors";
import { AppError } from "@/lib/http/errors";
import { virshUuids } from "@/lib/libvirt/names-parse";
import { volumeIsIso } from "@/lib/libvirt/storage-xml";
import type { HostView } from "@/lib/fleet/hosts";
import { taskHandlerRegister, type TaskContext } from "@/lib/tasks/registry";
import { msg } from "@/lib/tasks/task-text";
import { taskEnqueue } from "@/lib/tasks/tasks";
import {
  volumeClone,
  volumeDeleteTry,
  volumeDownloadStream,
  volumeFind,
  volumeResize,
} from "@/lib/virt/storage-volume";
import { PoolNameSchema, VolumeNameSchema, VolumeRefSchema, storageClient } from "./storage";
import { storageUsage } from "./usage";
import { rangeParse, type DownloadRange } from "./byte-range";

/**
 * Volume operations beyond create/delete: resize (grow), clone within a pool (a task: libvirt copies
 * every byte), and download (streamed from `vol-download` on its own SSH channel to the browser,
 * bounded by the volume's size, resumable with HTTP Range). `storage.manage` at the host, like the
 * other volume routes; resize and clone are audited, and so is each download.
 */

export const VolumeResizeSchema = VolumeRefSchema.extend({
  capacityBytes: z
    .number()
    .int()
    .min(1024 * 1024, "at least 1 MiB")
    .max(64 * 1024 ** 4, "at most 64 TiB"),
});
export const VolumeCloneSchema = VolumeRefSchema.extend({ newName: VolumeNameSchema });
export const VolumeDownloadQuerySchema = VolumeRefSchema;

async function manage(caller: Caller, hostId: string): Promise<HostClient<HostView>> {
  await authorizeOrThrow(caller.principal, "storage.manage", { hostId });
  return storageClient(hostId);
}

async function existing(client: HostClient<HostView>, pool: string, name: string) {
  const v = await volumeFind({ host: client, ref: { pool, name } });
  if (!v) throw new AppError("not_found", `No volume ${name} in pool ${pool}`);
  return v;
}

/** The running VMs that use a file (as a disk or in a disk's backing chain). */
async function runningUsers(client: HostClient<HostView>, path: string | undefined): Promise<string[]> {
  if (!path) return [];
  const users = (await storageUsage(client)).get(path) ?? [];
  if (!users.length) return [];
  const [listed] = await client.virsh({ command: "list", args: [{ flag: "--uuid" }] });
  const running = new Set(virshUuids(listed));
  return [...new Set(users.filter((u) => running.has(u.vmUuid)).map((u) => u.vmName))];
}

/**
 * Grows a volume to `capacityBytes` (`vol-resize`). Shrinking is refused (it loses data), and so is a
 * volume a running VM uses: its disk is resized from the VM's hardware tab (blockresize) instead.
 */
export async function storageVolumeResize(caller: Caller, hostId: string, input: z.infer<typeof VolumeResizeSchema>) {
  const client = await manage(caller, hostId);
  const { pool, name, capacityBytes } = VolumeResizeSchema.parse(input);
  const v = await existing(client, pool, name);
  if (capacityBytes < v.capacityBytes)
    throw new AppError("invalid_input", `capacityBytes: smaller than the volume (${v.capacityBytes} bytes)`, {
      issues: [{ path: "capacityBytes", message: `a volume only grows: it has ${v.capacityBytes} bytes` }],
    });
  const users = await runningUsers(client, v.path);
  if (users.length)
    throw new AppError(
      "conflict",
      `${name} is in use by running VMs: ${users.join(", ")}; resize the disk from the VM instead`,
    );
  if (capacityBytes !== v.capacityBytes)
    await volumeResize({ host: client, pool, name, capacity: `${capacityBytes}b` });
  await auditBy(caller, {
    action: "storage.volume.resize",
    target: { type: "volume", id: `${client.host.id}/${pool}/${name}`, name },
    details: { hostId: client.host.id, pool, from: v.capacityBytes, to: capacityBytes },
  });
  const after = await existing(client, pool, name);
  return {
    pool,
    name: after.name || name,
    path: after.path ?? "",
    format: after.format ?? null,
    capacityBytes: after.capacityBytes,
    allocationBytes: after.allocationBytes,
    backingPath: after.backingPath ?? null,
    iso: volumeIsIso({ name, format: after.format }),
  };
}

export const VOLUME_CLONE_KIND = "storage.clone";

const CloneInputSchema = VolumeCloneSchema.extend({
  hostId: z.string(),
  userId: z.string(),
  username: z.string(),
  ip: z.string(),
});

/** Queues a clone of a volume within its pool (`vol-clone`); the name must be free. */
export async function storageVolumeCloneEnqueue(
  caller: Caller,
  hostId: string,
  input: z.infer<typeof VolumeCloneSchema>,
): Promise<TaskView> {
  const client = await manage(caller, hostId);
  const { pool, name, newName } = VolumeCloneSchema.parse(input);
  await existing(client, pool, name);
  if (await volumeFind({ host: client, ref: { pool, name: newName } }))
    throw new AppError("conflict", `newName: a volume ${newName} already exists in ${pool}`, {
      issues: [{ path: "newName", message: "already exists in this pool" }],
    });
  return taskEnqueue(caller, {
    kind: VOLUME_CLONE_KIND,
    title: `Clone ${name} to ${newName} in ${pool}`,
    titleMessage: { key: "titles.storageClone", params: { name, newName, pool } },
    hostId: client.host.id,
    input: {
      hostId: client.host.id,
      pool,
      name,
      newName,
      userId: caller.principal.user.id,
      username: caller.principal.user.username,
      ip: caller.ip,
    },
  });
}

async function cloneRun(ctx: TaskContext) {
  const input = CloneInputSchema.parse(ctx.input);
  const client = await storageClient(input.hostId);
  await ctx.progress(5, msg("steps.cloning", { name: input.name, newName: input.newName }));
  const r = await volumeClone({ host: client, pool: input.pool, name: input.name, newName: input.newName });
  if (!r.ok) {
    // A clone that failed half-way leaves a partial volume: remove it (never one that existed before: checked at enqueue).
    await volumeDeleteTry({ host: client, ref: { pool: input.pool, name: input.newName } });
    throw new AppError("host_error", `${client.host.name}: ${virshMessage(r.stderr)}`);
  }
  await auditBy(
    { actor: { id: input.userId, name: input.username }, ip: input.ip },
    {
      action: "storage.volume.clone",
      target: { type: "volume", id: `${client.host.id}/${input.pool}/${input.newName}`, name: input.newName },
      details: { hostId: client.host.id, pool: input.pool, source: input.name },
    },
  );
  await ctx.progress(100, msg("steps.cloned", { newName: input.newName }));
  return { pool: input.pool, name: input.newName };
}

taskHandlerRegister(VOLUME_CLONE_KIND, cloneRun);

/**
 * A volume's bytes (or the requested range of them) as a web stream from `vol-download` on its own
 * SSH channel, with backpressure; exactly `length` bytes or an error. Cancelling the response (the
 * browser went away) kills the remote virsh.
 */
export async function storageVolumeDownload(
  caller: Caller,
  hostId: string,
  ref: z.infer<typeof VolumeDownloadQuerySchema>,
  request: { range: string | null; ifRange: string | null },
): Promise<{
  body: ReadableStream<Uint8Array> | null;
  size: number;
  range: DownloadRange | null | "unsatisfiable";
  etag: string;
  name: string;
}> {
  const client = await manage(caller, hostId);
  const pool = PoolNameSchema.parse(ref.pool);
  const { name } = VolumeRefSchema.parse(ref);
  const v = await existing(client, pool, name);
  const size = v.physicalBytes ?? v.capacityBytes;
  const etag = `"${v.key ? Buffer.from(v.key).toString("base64url").slice(0, 40) : name}-${size}"`;
  // If-Range naming another version of the volume: the whole volume, never a piece of a different one.
  const rangeHeader = request.ifRange && request.ifRange !== etag ? null : request.range;
  const range = rangeParse(rangeHeader, size);
  if (range === "unsatisfiable" || size === 0) return { body: null, size, range, etag, name };
  const start = range?.start ?? 0;
  const length = (range?.end ?? size - 1) - start + 1;
  await auditBy(caller, {
    action: "storage.volume.download",
    target: { type: "volume", id: `${client.host.id}/${pool}/${name}`, name },
    details: { hostId: client.host.id, pool, start, length },
  });
  const stream = await volumeDownloadStream({ host: client, pool, name, offset: start, length });
  let sent = 0;
  let done = false;
  const node = stream as unknown as Readable;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      node.on("data", (chunk: Buffer) => {
        if (done) return;
        const room = length - sent;
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        sent += part.length;
        if (part.length) controller.enqueue(new Uint8Array(part));
        if ((controller.desiredSize ?? 1) <= 0) node.pause();
        if (sent >= length) {
          done = true;
          controller.close();
          node.destroy();
        }
      });
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        controller.error(err);
      };
      node.on("end", () => fail(new Error(`${client.host.name}: the download ended early`)));
      node.on("close", () => fail(new Error(`${client.host.name}: the download ended early`)));
      node.on("error", (err) => fail(err));
    },
    pull() {
      node.resume();
    },
    cancel() {
      done = true;
      const ch = node as Readable & { signal?: (s: string) => void; close?: () => void };
      try {
        ch.signal?.("KILL");
      } catch {}
      try {
        ch.close?.();
      } catch {}
      node.destroy();
    },
  });
  return { body, size, range, etag, name };
}
