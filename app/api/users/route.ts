import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { UserCreateSchema, userCreate, usersList } from "@/lib/users/users";

export const GET = userRoute({ privilege: "user.manage" }, async () => {
  return NextResponse.json({ users: await usersList() });
});

export const POST = userRoute({ privilege: "user.manage", body: UserCreateSchema }, async ({ caller, body }) => {
  return NextResponse.json({ user: await userCreate(caller, body) }, { status: 201 });
});
