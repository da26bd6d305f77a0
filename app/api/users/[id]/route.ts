import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { UserUpdateSchema, userDelete, userGet, userUpdate } from "@/lib/users/users";

type P = { id: string };

export const GET = userRoute<undefined, P>({ privilege: "user.manage" }, async ({ params }) => {
  return NextResponse.json({ user: await userGet(params.id) });
});

export const PATCH = userRoute<typeof UserUpdateSchema, P>(
  { privilege: "user.manage", body: UserUpdateSchema },
  async ({ caller, params, body }) => {
    return NextResponse.json({ user: await userUpdate(caller, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>({ privilege: "user.manage" }, async ({ caller, params }) => {
  await userDelete(caller, params.id);
  return NextResponse.json({ ok: true });
});
