import { VmActionSchema, vmActionRun } from "@/lib/fleet/vms";
import { VmActionResponseSchema } from "@/lib/contracts/api/fleet";
import { vmRoute } from "@/lib/http/json-route";

export const POST = vmRoute(
  { responses: { 200: VmActionResponseSchema }, privilege: "vm.power", body: VmActionSchema },
  async ({ caller, params, body }) => ({ vm: await vmActionRun(caller, params.hostId, params.uuid, body.action) }),
);
