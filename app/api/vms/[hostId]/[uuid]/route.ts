import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { vmDetail } from "@/lib/fleet/vms";

export const GET = userRoute<undefined, { hostId: string; uuid: string }>({ privilege: "vm.view", target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) }, async ({ params }) => {
  return NextResponse.json({ vm: await vmDetail(params.hostId, params.uuid) }, { headers: { "cache-control": "no-store" } });
});
