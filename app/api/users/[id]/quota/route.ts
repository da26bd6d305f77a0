import { recordRoute } from "@/lib/http/json-route";
import { QuotaSchema, quotaGet, quotaSet, quotaView } from "@/lib/provisioning/quota";
import { QuotaResponseSchema } from "@/lib/contracts/api/access";

/** A user's own quota, the limits that apply to them (with their groups') and their usage. */
export const GET = recordRoute(
  { responses: { 200: QuotaResponseSchema }, privilege: "user.manage" },
  async ({ params }) => ({
    own: await quotaGet({ kind: "user", id: params.id }),
    effective: await quotaView(params.id),
  }),
);

/** Sets a user's quota (null: no limit on that field; all null removes it). */
export const PUT = recordRoute(
  { responses: { 200: QuotaResponseSchema }, privilege: "user.manage", body: QuotaSchema },
  async ({ caller, params, body }) => ({ own: await quotaSet(caller, { kind: "user", id: params.id }, body) }),
);
