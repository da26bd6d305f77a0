import { deniedRequest, vmRoute } from "@/lib/http/json-route";
import { VmCloneSchema } from "@/lib/contracts/provisioning";
import { vmClone } from "@/lib/provisioning/vm-clone";
import { hostPrivilegeRequire } from "@/lib/provisioning/resource-access";
import { VmCloneResponseSchema } from "@/lib/contracts/api/provisioning";

/**
 * Clone a shut-off VM (full, or linked from a template VM) as a task: 202 with the task id.
 * A clone is a new VM on the host: vm.clone on the source and vm.create on the destination
 * (the source's host).
 */
export const POST = vmRoute(
  { responses: { 202: VmCloneResponseSchema }, privilege: "vm.clone", body: VmCloneSchema },
  async ({ req, caller, ip, params, body }) => {
    // 403, not 404: the caller sees the VM (the route checked vm.clone on it), whatever they see of the host.
    await hostPrivilegeRequire(
      caller.principal,
      "vm.create",
      params.hostId,
      "Cloning creates a VM: you need the right to create VMs on this host",
      deniedRequest(req, ip),
    );
    return vmClone(caller, params.hostId, params.uuid, body);
  },
);
