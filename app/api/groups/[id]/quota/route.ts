import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { QuotaSchema, quotaGet, quotaSet } from "@/lib/provisioning/quota";
import { QuotaResponseSchema } from "@/lib/contracts/api/access";
import { IdParamsSchema } from "@/lib/contracts/api/common";

type P = { id: string };

/** A group's quota: what each member may create at most, unless their own quota says otherwise. */
export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: QuotaResponseSchema },
    privilege: "user.manage",
  },
  async ({ params }) => {
    return NextResponse.json({ own: await quotaGet({ kind: "group", id: params.id }) });
  },
);

/** Sets a group's quota (null: no limit on that field; all null removes it). */
export const PUT = userRoute<typeof QuotaSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: QuotaResponseSchema },
    privilege: "user.manage",
    body: QuotaSchema,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ own: await quotaSet(caller, { kind: "group", id: params.id }, body) });
  },
);
