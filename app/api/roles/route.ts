import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RoleCreateSchema, roleCreate, rolesList } from "@/lib/authz/manage";

export const GET = userRoute({ privilege: "user.manage" }, async () => {
  return NextResponse.json({ roles: await rolesList() });
});

export const POST = userRoute({ privilege: "user.manage", body: RoleCreateSchema }, async ({ principal, ip, body }) => {
  return NextResponse.json({ role: await roleCreate({ principal, ip }, body) }, { status: 201 });
});
