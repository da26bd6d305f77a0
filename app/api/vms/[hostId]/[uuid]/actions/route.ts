import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmActionSchema, vmActionRun } from "@/lib/fleet/vms";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmActionResponseSchema } from "@/lib/contracts/api/fleet";

export const POST = userRoute<typeof VmActionSchema, { hostId: string; uuid: string }>(
  {
    params: VmParamsSchema,
    responses: { 200: VmActionResponseSchema },
    privilege: "vm.power",
    body: VmActionSchema,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ vm: await vmActionRun(caller, params.hostId, params.uuid, body.action) });
  },
);
