import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmActionSchema, vmActionRun } from "@/lib/fleet/vms";

export const POST = userRoute<typeof VmActionSchema, { hostId: string; uuid: string }>(
  { privilege: "vm.power", body: VmActionSchema, target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) },
  async ({ caller, params, body }) => {
    return NextResponse.json({ vm: await vmActionRun(caller, params.hostId, params.uuid, body.action) });
  },
);
