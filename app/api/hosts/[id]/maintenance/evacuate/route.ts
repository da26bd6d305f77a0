import { deniedRequest, hostRoute } from "@/lib/http/json-route";
import { HostEvacuateSchema, MaintenanceTaskResponseSchema } from "@/lib/contracts/maintenance";
import { hostEvacuate } from "@/lib/migration/maintenance";

/**
 * Puts the host in maintenance and moves the VMs of the (edited) plan off it, one by one, as one
 * task (202 with its id). host.manage on the host; for each VM moved, vm.migrate on it and vm.create
 * on its destination, as for a single migration.
 */
export const POST = hostRoute(
  { responses: { 202: MaintenanceTaskResponseSchema }, privilege: "host.manage", body: HostEvacuateSchema },
  async ({ req, caller, ip, params, body }) => hostEvacuate(caller, params.id, body, deniedRequest(req, ip)),
);
