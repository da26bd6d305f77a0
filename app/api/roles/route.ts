import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RoleCreateSchema, roleCreate, rolesList } from "@/lib/authz/roles";
import { RoleListResponseSchema, RoleResponseSchema } from "@/lib/contracts/api/access";

export const GET = userRoute(
  {
    responses: { 200: RoleListResponseSchema },
    privilege: "user.manage",
  },
  async () => {
    return NextResponse.json({ roles: await rolesList() });
  },
);

export const POST = userRoute(
  {
    responses: { 201: RoleResponseSchema },
    privilege: "user.manage",
    body: RoleCreateSchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ role: await roleCreate(caller, body) }, { status: 201 });
  },
);
