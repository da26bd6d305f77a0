import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { grantDelete } from "@/lib/authz/grants";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

export const DELETE = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    await grantDelete(caller, params.id);
    return NextResponse.json({ ok: true });
  },
);
