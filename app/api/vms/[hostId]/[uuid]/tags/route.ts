import { vmRoute } from "@/lib/http/json-route";
import { VmTagsSchema, vmTagsGet, vmTagsSet } from "@/lib/authz/tags";
import { vmDetail } from "@/lib/fleet/vms";
import { TagsResponseSchema } from "@/lib/contracts/api/access";

export const GET = vmRoute({ responses: { 200: TagsResponseSchema }, privilege: "vm.view" }, async ({ params }) => ({
  tags: await vmTagsGet(params.hostId, params.uuid),
}));

/**
 * Replaces the VM's tags; the VM must exist on its host. A tag selects tag grants, so changing
 * tags changes who may do what on the VM: user.manage globally, like any other grant change.
 */
export const PUT = vmRoute(
  { responses: { 200: TagsResponseSchema }, privilege: "user.manage", globalScope: true, body: VmTagsSchema },
  async ({ caller, params, body }) => {
    const vm = await vmDetail(params.hostId, params.uuid);
    return { tags: await vmTagsSet(caller, vm.hostId, vm.uuid, body.tags, vm.name) };
  },
);
