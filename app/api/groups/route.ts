import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GroupCreateSchema, groupCreate, groupsList } from "@/lib/authz/groups";
import { GroupListResponseSchema, GroupResponseSchema } from "@/lib/contracts/api/access";

export const GET = userRoute(
  {
    responses: { 200: GroupListResponseSchema },
    privilege: "user.manage",
  },
  async () => {
    return NextResponse.json({ groups: await groupsList() });
  },
);

export const POST = userRoute(
  {
    responses: { 201: GroupResponseSchema },
    privilege: "user.manage",
    body: GroupCreateSchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ group: await groupCreate(caller, body) }, { status: 201 });
  },
);
