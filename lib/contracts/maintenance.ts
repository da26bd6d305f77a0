import { z } from "zod";
import { PreflightReportSchema } from "./migration";

/**
 * Host maintenance (app/api/hosts/{id}/maintenance): the plan (each VM of the host, its proposed
 * destination and action, checked with the migration pre-flight), the evacuation the operator
 * starts from an edited plan, and what an evacuation recorded for "return VMs".
 */

/** migrate: live for a running VM, its definition for a shut-off one. leave: stays (shut-off VMs only). */
export const MAINTENANCE_ACTIONS = ["migrate", "leave"] as const;
export type MaintenanceAction = (typeof MAINTENANCE_ACTIONS)[number];

/** One VM of an edited plan (body of POST .../maintenance/evacuate). */
export const EvacuateEntrySchema = z
  .object({
    uuid: z.string({ error: "Unknown VM" }).min(1, "Unknown VM").max(200, "Unknown VM"),
    action: z.enum(MAINTENANCE_ACTIONS, { error: "Action is migrate or leave" }),
    destHostId: z.uuid({ error: "Unknown host" }).nullable().default(null),
  })
  .strict();
export const HostEvacuateSchema = z.object({ vms: z.array(EvacuateEntrySchema).max(1000, "Too many VMs") }).strict();
export type HostEvacuateInput = z.infer<typeof HostEvacuateSchema>;

export const MaintenanceDestinationSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** What the host could give a guest now (nodememstats); null: it did not answer. */
  availableMiB: z.number().nullable(),
});

export const MaintenancePlanVmSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  state: z.string(),
  running: z.boolean(),
  memoryMiB: z.number(),
  /** The caller holds vm.migrate on it: only then can it move. */
  allowed: z.boolean(),
  action: z.enum(MAINTENANCE_ACTIONS),
  /** Proposed destination (the one with most free memory whose pre-flight passes); null: none fits. */
  destHostId: z.string().nullable(),
  /** The pre-flight report towards destHostId; null when there is no destination to check. */
  preflight: PreflightReportSchema.nullable(),
});
export type MaintenancePlanVm = z.infer<typeof MaintenancePlanVmSchema>;

export const EvacuatedVmSchema = z.object({
  uuid: z.string(),
  name: z.string(),
  destHostId: z.string(),
  destHostName: z.string().nullable(),
  mode: z.string(),
  at: z.string(),
});

export const MaintenancePlanSchema = z.object({
  hostId: z.string(),
  maintenanceSince: z.string().nullable(),
  /** Hosts the caller may create VMs on, not in maintenance, most free memory first. */
  destinations: z.array(MaintenanceDestinationSchema),
  vms: z.array(MaintenancePlanVmSchema),
  /** VMs an evacuation moved off this host, not returned yet. */
  evacuated: z.array(EvacuatedVmSchema),
});
export type MaintenancePlan = z.infer<typeof MaintenancePlanSchema>;

export const MaintenanceTaskResponseSchema = z.object({ taskId: z.string() });
