import { hostRoute } from "@/lib/http/json-route";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";
import { MaintenancePlanSchema } from "@/lib/contracts/maintenance";
import { maintenancePlan } from "@/lib/migration/maintenance-plan";
import { hostMaintenanceLeave } from "@/lib/migration/maintenance";

/**
 * The maintenance plan of the host: each VM with its proposed destination (hosts the caller may
 * create VMs on, not in maintenance, most free memory first, checked with the migration pre-flight)
 * and action, plus what an earlier evacuation moved off it. Nothing moves. host.manage on the host.
 */
export const GET = hostRoute(
  { responses: { 200: MaintenancePlanSchema }, privilege: "host.manage" },
  async ({ caller, params }) => maintenancePlan(caller, params.id),
);

/** Leaves maintenance without bringing VMs back (their evacuation records are dropped). host.manage on the host. */
export const DELETE = hostRoute(
  { responses: { 200: HostResponseSchema }, privilege: "host.manage" },
  async ({ caller, params }) => ({ host: await hostMaintenanceLeave(caller, params.id) }),
);
