import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmTagsSchema, vmTagsGet, vmTagsSet } from "@/lib/authz/tags";
import { vmDetail } from "@/lib/fleet/vms";
import { TagsResponseSchema } from "@/lib/contracts/api/access";
import { VmParamsSchema } from "@/lib/contracts/api/common";

type P = { hostId: string; uuid: string };
const target = ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid });

export const GET = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: TagsResponseSchema },
    privilege: "vm.view",
    target,
  },
  async ({ params }) => {
    return NextResponse.json({ tags: await vmTagsGet(params.hostId, params.uuid) });
  },
);

/**
 * Replaces the VM's tags; the VM must exist on its host. A tag selects tag grants, so changing
 * tags changes who may do what on the VM: user.manage globally, like any other grant change.
 */
export const PUT = userRoute<typeof VmTagsSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 200: TagsResponseSchema },
    privilege: "user.manage",
    globalScope: true,
    body: VmTagsSchema,
    target,
  },
  async ({ caller, params, body }) => {
    const vm = await vmDetail(params.hostId, params.uuid);
    return NextResponse.json({ tags: await vmTagsSet(caller, vm.hostId, vm.uuid, body.tags, vm.name) });
  },
);
