import { recordRoute } from "@/lib/http/json-route";
import { QuotaSchema, quotaGet, quotaSet } from "@/lib/provisioning/quota";
import { QuotaResponseSchema } from "@/lib/contracts/api/access";

/** A group's quota: what each member may create at most, unless their own quota says otherwise. */
export const GET = recordRoute(
  { responses: { 200: QuotaResponseSchema }, privilege: "user.manage" },
  async ({ params }) => ({ own: await quotaGet({ kind: "group", id: params.id }) }),
);

/** Sets a group's quota (null: no limit on that field; all null removes it). */
export const PUT = recordRoute(
  { responses: { 200: QuotaResponseSchema }, privilege: "user.manage", body: QuotaSchema },
  async ({ caller, params, body }) => ({ own: await quotaSet(caller, { kind: "group", id: params.id }, body) }),
);
