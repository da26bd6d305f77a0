import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import type { HostClient } from "@/lib/hosts/client";
import { volumeIsIso } from "@/lib/libvirt/storage-xml";
import type { HostView } from "@/lib/fleet/hosts";
import { hostClient } from "@/lib/fleet/runtime";
import type { Caller } from "@/lib/authz/caller";
import { poolListDetailed, poolRefresh } from "@/lib/virt/storage-pool";
import { volumeCreate, volumeDelete, volumeGetMany, volumeNames } from "@/lib/virt/storage-volume";

/**
 * Storage pools and volumes of a host, through its long-lived virsh session
 * (one batch per step, not one exec per volume). Pool management itself
 * (define, build, start) is not here yet.
 */

import type { StoragePool, StorageVolume } from "@/lib/contracts/storage";
export type { StoragePool, StorageVolume } from "@/lib/contracts/storage";

/** Pool names: what virsh accepts as a positional and a person would type. */
export const PoolNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "pool names use letters, digits and _ . + -");

/** Names of volumes virtdeck creates: one path component, no leading dot or dash. */
export const VolumeNameSchema = z
  .string()
  .min(1, "a volume name is required")
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "volume names use letters, digits and _ . + - (no spaces or slashes)");

export const VOLUME_FORMATS = ["qcow2", "raw", "iso"] as const;
export type VolumeFormat = (typeof VOLUME_FORMATS)[number];

export const VolumeCreateSchema = z.object({
  pool: PoolNameSchema,
  name: VolumeNameSchema,
  format: z.enum(["qcow2", "raw"]),
  capacityBytes: z
    .number()
    .int()
    .min(1024 * 1024, "at least 1 MiB")
    .max(64 * 1024 ** 4),
});

/** Existing volumes are addressed by pool + name as libvirt lists them (any name, not only ours). */
const ExistingVolumeNameSchema = z
  .string()
  .min(1)
  .max(500)
  .refine((s) => !s.startsWith("-") && !s.includes("\0") && !s.includes("/"), "not a volume name");

export const VolumeRefSchema = z.object({ pool: PoolNameSchema, name: ExistingVolumeNameSchema });

/** The host client storage uses: virsh refusals answer 502 host_error naming the host. */
export async function storageClient(hostId: string): Promise<HostClient<HostView>> {
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "No such host");
  return hostClient(hostId, { commandErrorCode: "host_error" });
}

export async function storageHost(hostId: string): Promise<HostView> {
  return (await storageClient(hostId)).host;
}

/** Every pool on the host (active or not) with capacity, allocation and available bytes. */
export async function storagePoolList({ hostId }: { hostId: string }): Promise<StoragePool[]> {
  return poolsOf(await storageClient(hostId));
}

async function poolsOf(host: HostClient): Promise<StoragePool[]> {
  const pools = (await poolListDetailed({ host })).map((p) => ({
    name: p.name,
    type: p.type,
    active: p.active,
    capacityBytes: p.capacityBytes,
    allocationBytes: p.allocationBytes,
    availableBytes: p.availableBytes,
    targetPath: p.targetPath ?? null,
  }));
  return pools.sort((a, b) => a.name.localeCompare(b.name));
}

/** Volumes of one active pool, with format, sizes and backing file (from vol-dumpxml). */
export async function storageVolumeList({ hostId, pool }: { hostId: string; pool: string }): Promise<StorageVolume[]> {
  const host = await storageClient(hostId);
  PoolNameSchema.parse(pool);
  return volumesOf(host, pool);
}

async function volumesOf(host: HostClient, pool: string): Promise<StorageVolume[]> {
  const listed = await volumeNames({ host, pool });
  const wires = await volumeGetMany({ host, refs: listed.map((v) => ({ pool, name: v.name })) });
  const out: StorageVolume[] = [];
  listed.forEach((v, i) => {
    const w = wires[i];
    if (!w) return;
    out.push({
      pool,
      name: w.name || v.name,
      path: w.path ?? v.path,
      format: w.format ?? null,
      capacityBytes: w.capacityBytes,
      allocationBytes: w.allocationBytes,
      backingPath: w.backingPath ?? null,
      iso: volumeIsIso({ name: w.name || v.name, format: w.format }),
    });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** ISO images across the host's active pools. `rescan` refreshes each pool first (files copied in by hand). */
export async function isoLibrary({
  hostId,
  rescan = false,
}: {
  hostId: string;
  rescan?: boolean;
}): Promise<StorageVolume[]> {
  const host = await storageClient(hostId);
  const pools = (await poolsOf(host)).filter((p) => p.active);
  if (rescan) await poolRefresh({ host, pools: pools.map((p) => p.name) });
  const lists = await Promise.all(pools.map((p) => volumesOf(host, p.name)));
  return lists.flat().filter((v) => v.iso);
}

/** Refreshes one pool (pool-refresh): libvirt re-reads what is in it. */
export async function storagePoolRefresh({ hostId, pool }: { hostId: string; pool: string }): Promise<void> {
  const host = await storageClient(hostId);
  await poolRefresh({ host, pools: [PoolNameSchema.parse(pool)] });
}

export async function storageVolumeCreate(
  caller: Caller,
  hostId: string,
  input: z.infer<typeof VolumeCreateSchema>,
): Promise<StorageVolume> {
  const client = await storageClient(hostId);
  const host = client.host;
  const v = VolumeCreateSchema.parse(input);
  await volumeCreate({ host: client, pool: v.pool, name: v.name, capacity: String(v.capacityBytes), format: v.format });
  await auditBy(caller, {
    action: "storage.volume.create",
    target: { type: "volume", id: `${host.id}/${v.pool}/${v.name}`, name: v.name },
    details: { hostId: host.id, pool: v.pool, format: v.format, capacityBytes: v.capacityBytes },
  });
  const created = (await volumesOf(client, v.pool)).find((x) => x.name === v.name);
  if (!created) throw new AppError("host_error", `${host.name}: the volume was created but does not show in ${v.pool}`);
  return created;
}

/**
 * Deletes a volume unless a domain on the host uses it, directly or as a backing file of one of
 * its disks (see storageUsage).
 */
export async function storageVolumeDelete(
  caller: Caller,
  hostId: string,
  ref: z.infer<typeof VolumeRefSchema>,
): Promise<void> {
  const client = await storageClient(hostId);
  const host = client.host;
  const { pool, name } = VolumeRefSchema.parse(ref);
  const vol = (await volumesOf(client, pool)).find((v) => v.name === name);
  if (!vol) throw new AppError("not_found", `No volume ${name} in pool ${pool}`);
  const { storageUsage } = await import("./usage");
  const users = (await storageUsage(client)).get(vol.path) ?? [];
  if (users.length) {
    throw new AppError(
      "conflict",
      `${name} is in use by ${users.map((u) => u.vmName).join(", ")} (as a disk or in a disk's backing chain)`,
    );
  }
  await volumeDelete({ host: client, ref: { pool, name } });
  await auditBy(caller, {
    action: "storage.volume.delete",
    target: { type: "volume", id: `${host.id}/${pool}/${name}`, name },
    details: { hostId: host.id, pool, path: vol.path },
  });
}
