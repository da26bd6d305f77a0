import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmTagsSchema, vmTagsGet, vmTagsSet } from "@/lib/authz/manage";
import { vmDetail } from "@/lib/fleet/vms";

type P = { hostId: string; uuid: string };
const target = ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid });

export const GET = userRoute<undefined, P>({ privilege: "vm.view", target }, async ({ params }) => {
  return NextResponse.json({ tags: await vmTagsGet(params.hostId, params.uuid) });
});

/** Replaces the VM's tags; the VM must exist on its host. */
export const PUT = userRoute<typeof VmTagsSchema, P>({ privilege: "vm.edit", body: VmTagsSchema, target }, async ({ principal, ip, params, body }) => {
  const vm = await vmDetail(params.hostId, params.uuid);
  return NextResponse.json({ tags: await vmTagsSet({ principal, ip }, vm.hostId, vm.uuid, body.tags, vm.name) });
});
