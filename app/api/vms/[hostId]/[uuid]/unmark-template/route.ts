import { vmUnmarkTemplate } from "@/lib/provisioning/vm-template";
import { VmUnmarkResponseSchema } from "@/lib/contracts/api/provisioning";
import { vmRoute } from "@/lib/http/json-route";

/** A template VM becomes an ordinary VM again (refused while linked clones read its disks); its template record goes. */
export const POST = vmRoute(
  { responses: { 200: VmUnmarkResponseSchema }, privilege: "template.manage" },
  async ({ caller, params }) => vmUnmarkTemplate(caller, params.hostId, params.uuid),
);
