import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GroupCreateSchema, groupCreate, groupsList } from "@/lib/authz/groups";

export const GET = userRoute({ privilege: "user.manage" }, async () => {
  return NextResponse.json({ groups: await groupsList() });
});

export const POST = userRoute({ privilege: "user.manage", body: GroupCreateSchema }, async ({ caller, body }) => {
  return NextResponse.json({ group: await groupCreate(caller, body) }, { status: 201 });
});
