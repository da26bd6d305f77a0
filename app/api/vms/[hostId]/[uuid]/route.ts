import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { vmDetail } from "@/lib/fleet/vms";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmDetailResponseSchema } from "@/lib/contracts/api/fleet";

export const GET = userRoute<undefined, { hostId: string; uuid: string }>(
  {
    params: VmParamsSchema,
    responses: { 200: VmDetailResponseSchema },
    privilege: "vm.view",
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ params }) => {
    return NextResponse.json(
      { vm: await vmDetail(params.hostId, params.uuid) },
      { headers: { "cache-control": "no-store" } },
    );
  },
);
