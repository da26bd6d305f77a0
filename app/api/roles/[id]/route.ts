import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RoleUpdateSchema, roleDelete, roleUpdate } from "@/lib/authz/roles";
import { RoleResponseSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

type P = { id: string };

/** Custom roles only: built-in roles answer 403. */
export const PATCH = userRoute<typeof RoleUpdateSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: RoleResponseSchema },
    privilege: "user.manage",
    body: RoleUpdateSchema,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ role: await roleUpdate(caller, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    await roleDelete(caller, params.id);
    return NextResponse.json({ ok: true });
  },
);
