import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GroupUpdateSchema, groupDelete, groupGet, groupUpdate } from "@/lib/authz/groups";
import { GroupDetailResponseSchema, GroupResponseSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

type P = { id: string };

export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: GroupDetailResponseSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    return NextResponse.json({ group: await groupGet(params.id) });
  },
);

export const PATCH = userRoute<typeof GroupUpdateSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: GroupResponseSchema },
    privilege: "user.manage",
    body: GroupUpdateSchema,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ group: await groupUpdate(caller, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    await groupDelete(caller, params.id);
    return NextResponse.json({ ok: true });
  },
);
