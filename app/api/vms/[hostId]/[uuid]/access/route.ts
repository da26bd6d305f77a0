import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { vmAccess } from "@/lib/authz/vm-access";
import { VmAccessResponseSchema } from "@/lib/contracts/api/access";
import { VmParamsSchema } from "@/lib/contracts/api/common";

/** Effective access on one VM: who holds which privilege, inherited from where (Permissions tab). */
export const GET = userRoute<undefined, { hostId: string; uuid: string }>(
  {
    params: VmParamsSchema,
    responses: { 200: VmAccessResponseSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    return NextResponse.json({ access: await vmAccess(params.hostId, params.uuid) });
  },
);
