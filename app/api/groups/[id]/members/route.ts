import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GroupMemberSchema, groupMemberAdd } from "@/lib/authz/groups";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

export const POST = userRoute<typeof GroupMemberSchema, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 201: OkSchema },
    privilege: "user.manage",
    body: GroupMemberSchema,
  },
  async ({ caller, params, body }) => {
    await groupMemberAdd(caller, params.id, body.userId);
    return NextResponse.json({ ok: true }, { status: 201 });
  },
);
