import "server-only";
import { randomUUID } from "node:crypto";
import { Prisma } from "@/lib/generated/prisma/client";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { childLogger } from "@/lib/log";
import { virshMessage } from "@/lib/hosts/client-errors";
import { volumeDeleteTry } from "@/lib/virt/storage-volume";
import { storageClient } from "./storage";

/**
 * Volumes being written (an upload in flight) are recorded in the database (PartialVolume) from
 * before they are created until they are complete. A partial one is removed until the host lets
 * it: at once, then retried with backoff in this instance, and swept at start and periodically
 * for rows whose task no longer runs (an instance that died mid-upload, or one that stopped
 * while retrying).
 */
export interface PartialVolumeRef {
  hostId: string;
  pool: string;
  name: string;
}

const log = childLogger("storage");
/** Retry delays: doubling from 1 s up to a minute, for as long as the volume is there. */
const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 60_000;
const SWEEP_MS = 60_000;

const retrying = new Map<string, NodeJS.Timeout>();
let sweepTimer: NodeJS.Timeout | undefined;

/** Records a volume task `taskId` is about to create; refuses a name another upload writes or still removes. */
export async function partialVolumeRecord(ref: PartialVolumeRef, taskId: string): Promise<string> {
  try {
    const row = await db().partialVolume.create({ data: { id: randomUUID(), ...ref, taskId } });
    return row.id;
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new AppError(
        "conflict",
        `${ref.pool}/${ref.name}: an upload of that name is in flight, or its partial volume is still being removed; try again shortly`,
        { issues: [{ path: "name", message: "An upload of that name is in flight or still being cleaned up" }] },
      );
    }
    throw err;
  }
}

/** The volume is complete (or was never created by us): it is no longer partial. */
export async function partialVolumeForget(id: string): Promise<void> {
  await db().partialVolume.deleteMany({ where: { id } });
}

/** A vol-delete refused because the volume is already gone counts as done. */
function goneAlready(stderr: string): boolean {
  return /Storage volume not found|no storage vol with matching/i.test(stderr);
}

/** One removal attempt of a recorded partial volume; true once it is gone (and its row with it). */
async function removeOnce(id: string): Promise<boolean> {
  const row = await db().partialVolume.findUnique({ where: { id } });
  if (!row) return true;
  let error: string;
  try {
    const host = await storageClient(row.hostId);
    const r = await volumeDeleteTry({ host, ref: { pool: row.pool, name: row.name } });
    if (r.ok || goneAlready(r.stderr)) {
      await partialVolumeForget(id);
      return true;
    }
    error = r.stderr ? virshMessage(r.stderr) : `${host.host.name}: host connection lost`;
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  await db()
    .partialVolume.updateMany({ where: { id }, data: { attempts: { increment: 1 }, lastError: error.slice(0, 1000) } })
    .catch(() => {});
  return false;
}

/**
 * Removes a recorded partial volume now; when that fails, keeps retrying in the background
 * (doubling delays up to a minute) until it is gone. Resolves with the first attempt's outcome.
 */
export async function partialVolumeRemove(id: string): Promise<boolean> {
  if (retrying.has(id)) return false;
  const ok = await removeOnce(id).catch(() => false);
  if (!ok) retryLater(id, RETRY_FIRST_MS);
  return ok;
}

function retryLater(id: string, delayMs: number): void {
  if (retrying.has(id)) return;
  const t = setTimeout(() => {
    void removeOnce(id)
      .catch(() => false)
      .then((ok) => {
        retrying.delete(id);
        if (!ok) retryLater(id, Math.min(RETRY_MAX_MS, delayMs * 2));
        else log.info({ partialVolume: id }, "Removed a partial volume after retrying");
      });
  }, delayMs);
  t.unref();
  retrying.set(id, t);
}

/**
 * Removes the partial volumes no running task owns (their instance died, or stopped before its
 * retries succeeded). Runs at start and every minute; returns the ids it found.
 */
export async function partialVolumesSweep(): Promise<string[]> {
  const rows = await db().partialVolume.findMany({ select: { id: true, taskId: true } });
  if (!rows.length) return [];
  const taskIds = rows.flatMap((r) => (r.taskId ? [r.taskId] : []));
  const running = new Set(
    (
      await db().task.findMany({
        where: { id: { in: taskIds }, status: { in: ["queued", "running"] } },
        select: { id: true },
      })
    ).map((t) => t.id),
  );
  const orphans = rows.filter((r) => !r.taskId || !running.has(r.taskId)).map((r) => r.id);
  for (const id of orphans) await partialVolumeRemove(id);
  return orphans;
}

/** Starts the periodic sweep (custom server start) after one sweep now. */
export async function partialVolumesSweepStart(): Promise<void> {
  const found = await partialVolumesSweep().catch((err: unknown) => {
    log.warn({ err: err instanceof Error ? err.message : String(err) }, "partial volume sweep failed");
    return [];
  });
  if (found.length) log.warn({ partialVolumes: found }, `${found.length} partial volume(s) left behind: removing`);
  if (sweepTimer) return;
  sweepTimer = setInterval(() => void partialVolumesSweep().catch(() => {}), SWEEP_MS);
  sweepTimer.unref();
}

/** Stops the sweep and the retries of this instance (the rows stay for the next sweep). */
export function partialVolumesStop(): void {
  if (sweepTimer) clearInterval(sweepTimer);
  sweepTimer = undefined;
  for (const t of retrying.values()) clearTimeout(t);
  retrying.clear();
}
