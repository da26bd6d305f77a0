import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RoleCreateSchema, roleCreate, rolesList } from "@/lib/authz/roles";

export const GET = userRoute({ privilege: "user.manage" }, async () => {
  return NextResponse.json({ roles: await rolesList() });
});

export const POST = userRoute({ privilege: "user.manage", body: RoleCreateSchema }, async ({ caller, body }) => {
  return NextResponse.json({ role: await roleCreate(caller, body) }, { status: 201 });
});
