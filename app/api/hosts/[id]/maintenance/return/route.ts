import { deniedRequest, hostRoute } from "@/lib/http/json-route";
import { MaintenanceTaskResponseSchema } from "@/lib/contracts/maintenance";
import { hostReturn } from "@/lib/migration/maintenance";

/**
 * Moves the VMs an evacuation took off this host back from where they went (those still there),
 * then ends maintenance, as one task (202 with its id). host.manage on the host; for each VM,
 * vm.migrate on it and vm.create on this host.
 */
export const POST = hostRoute(
  { responses: { 202: MaintenanceTaskResponseSchema }, privilege: "host.manage" },
  async ({ req, caller, ip, params }) => hostReturn(caller, params.id, deniedRequest(req, ip)),
);
