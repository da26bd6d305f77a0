import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { groupMemberRemove } from "@/lib/authz/groups";
import { GroupMemberParamsSchema, OkSchema } from "@/lib/contracts/api/common";

export const DELETE = userRoute<undefined, { id: string; userId: string }>(
  {
    params: GroupMemberParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    await groupMemberRemove(caller, params.id, params.userId);
    return NextResponse.json({ ok: true });
  },
);
