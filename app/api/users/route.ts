import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { UserCreateSchema, userCreate, usersList } from "@/lib/users/users";
import { UserListResponseSchema, UserResponseSchema } from "@/lib/contracts/api/access";

export const GET = userRoute(
  {
    responses: { 200: UserListResponseSchema },
    privilege: "user.manage",
  },
  async () => {
    return NextResponse.json({ users: await usersList() });
  },
);

export const POST = userRoute(
  {
    responses: { 201: UserResponseSchema },
    privilege: "user.manage",
    body: UserCreateSchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ user: await userCreate(caller, body) }, { status: 201 });
  },
);
