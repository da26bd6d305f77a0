import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { UserUpdateSchema, userDelete, userGet, userUpdate } from "@/lib/users/users";
import { UserResponseSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

type P = { id: string };

export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: UserResponseSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    return NextResponse.json({ user: await userGet(params.id) });
  },
);

export const PATCH = userRoute<typeof UserUpdateSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: UserResponseSchema },
    privilege: "user.manage",
    body: UserUpdateSchema,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ user: await userUpdate(caller, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    await userDelete(caller, params.id);
    return NextResponse.json({ ok: true });
  },
);
