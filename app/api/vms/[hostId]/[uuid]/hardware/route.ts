import { deniedRequest, vmRoute } from "@/lib/http/json-route";
import { VmEditSchema } from "@/lib/contracts/hardware";
import { vmHardware, vmHardwareEditAuthorized } from "@/lib/provisioning/vm-edit";
import { VmEditResponseSchema, VmHardwareResponseSchema } from "@/lib/contracts/api/provisioning";

/** The VM's editable hardware, live and persistent, with what applies after shutdown. */
export const GET = vmRoute(
  { responses: { 200: VmHardwareResponseSchema }, privilege: "vm.view" },
  async ({ params }) => ({ hardware: await vmHardware(params.hostId, params.uuid) }),
);

/** Edits: persistent definition first, then live where libvirt allows. A NIC on a host bridge also needs network.manage on the host. */
export const PATCH = vmRoute(
  { responses: { 200: VmEditResponseSchema }, privilege: "vm.edit", body: VmEditSchema },
  async ({ req, caller, ip, params, body }) =>
    vmHardwareEditAuthorized(caller, params.hostId, params.uuid, body, deniedRequest(req, ip)),
);
