import { z } from "zod";
import { TaskViewSchema } from "@/lib/contracts/api/tasks";
import { PoolViewSchema } from "@/lib/contracts/storage-pool";
import { IdSchema } from "@/lib/contracts/api/common";

/** Answers of the storage routes (/api/hosts/:id/storage/**) and of VM deletion's plan. */

export const StoragePoolSchema = z.object({
  name: z.string(),
  type: z.string(),
  active: z.boolean(),
  capacityBytes: z.number(),
  allocationBytes: z.number(),
  availableBytes: z.number(),
  targetPath: z.string().nullable(),
});

export const StorageVolumeSchema = z.object({
  pool: z.string(),
  name: z.string(),
  path: z.string(),
  format: z.string().nullable(),
  capacityBytes: z.number(),
  allocationBytes: z.number(),
  backingPath: z.string().nullable(),
  iso: z.boolean(),
});

export const PoolListResponseSchema = z.object({ pools: z.array(StoragePoolSchema) });
export const VolumeListResponseSchema = z.object({ volumes: z.array(StorageVolumeSchema) });
export const VolumeResponseSchema = z.object({ volume: StorageVolumeSchema });
export const IsoListResponseSchema = z.object({ isos: z.array(StorageVolumeSchema) });
export const UploadResponseSchema = z.object({ task: TaskViewSchema });

export const VmDeletePlanSchema = z.object({
  hostId: z.string(),
  vmUuid: z.string(),
  vmName: z.string(),
  state: z.string(),
  hasManagedSave: z.boolean(),
  hasSnapshots: z.boolean(),
  disks: z.array(
    z.object({
      target: z.string(),
      device: z.string(),
      path: z.string().nullable(),
      pool: z.string().nullable(),
      volume: z.string().nullable(),
      format: z.string().nullable(),
      readonly: z.boolean(),
      deletable: z.boolean(),
      reason: z.string().nullable(),
      usedBy: z.array(z.string()),
    }),
  ),
});
export const VmDeletePlanResponseSchema = z.object({ plan: VmDeletePlanSchema });
export const VmDeleteResponseSchema = z.object({ task: TaskViewSchema });

/** Pool management (/api/hosts/:id/storage/pools/**): a pool in a path is bounded here, 404 when virsh could misread it. */
export const HostPoolNameParamsSchema = z.object({ id: IdSchema, pool: z.string().min(1).max(200) });
export const PoolViewListResponseSchema = z.object({ pools: z.array(PoolViewSchema) });
export const PoolResponseSchema = z.object({ pool: PoolViewSchema });
