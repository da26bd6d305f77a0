import { z } from "zod";
import { SnapshotCapabilitiesSchema, SnapshotScheduleViewSchema, SnapshotViewSchema } from "@/lib/contracts/snapshot";
import { IdSchema } from "@/lib/contracts/api/common";

/** Answers and path parameters of /api/vms/:hostId/:uuid/snapshots/**. */

/** A snapshot in a path: bounded here; a name virsh could misread names nothing (404, lib/snapshots). */
export const SnapshotParamsSchema = z.object({ hostId: IdSchema, uuid: IdSchema, name: z.string().min(1).max(200) });

export const SnapshotListResponseSchema = z.object({
  snapshots: z.array(SnapshotViewSchema),
  capabilities: SnapshotCapabilitiesSchema,
});
export const SnapshotResponseSchema = z.object({ snapshot: SnapshotViewSchema });
/** Long work runs as a task: its id (follow it at /api/tasks/:id). */
export const SnapshotTaskResponseSchema = z.object({ taskId: z.string() });

export const SnapshotScheduleParamsSchema = z.object({ hostId: IdSchema, uuid: IdSchema, id: IdSchema });
export const SnapshotScheduleListResponseSchema = z.object({ schedules: z.array(SnapshotScheduleViewSchema) });
export const SnapshotScheduleResponseSchema = z.object({ schedule: SnapshotScheduleViewSchema });
