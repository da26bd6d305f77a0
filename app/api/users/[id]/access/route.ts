import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { userAccess } from "@/lib/authz/vm-access";
import { UserAccessSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema } from "@/lib/contracts/api/common";

/** A user's groups and grants (their own and their groups'). */
export const GET = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: UserAccessSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    return NextResponse.json(await userAccess(params.id));
  },
);
