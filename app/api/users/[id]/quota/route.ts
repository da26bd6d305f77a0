import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { QuotaSchema, quotaGet, quotaSet, quotaView } from "@/lib/provisioning/quota";
import { QuotaResponseSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema } from "@/lib/contracts/api/common";

type P = { id: string };

/** A user's own quota, the limits that apply to them (with their groups') and their usage. */
export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: QuotaResponseSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    const own = await quotaGet({ kind: "user", id: params.id });
    return NextResponse.json({ own, effective: await quotaView(params.id) });
  },
);

/** Sets a user's quota (null: no limit on that field; all null removes it). */
export const PUT = userRoute<typeof QuotaSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: QuotaResponseSchema },
    privilege: "user.manage",
    body: QuotaSchema,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ own: await quotaSet(caller, { kind: "user", id: params.id }, body) });
  },
);
