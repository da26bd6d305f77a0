import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { vmUnmarkTemplate } from "@/lib/provisioning/vm-template";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmUnmarkResponseSchema } from "@/lib/contracts/api/provisioning";

type P = { hostId: string; uuid: string };

/** A template VM becomes an ordinary VM again (refused while linked clones read its disks); its template record goes. */
export const POST = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: VmUnmarkResponseSchema },
    privilege: "template.manage",
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ caller, params }) => {
    return NextResponse.json(await vmUnmarkTemplate(caller, params.hostId, params.uuid));
  },
);
