import { grantDelete } from "@/lib/authz/grants";
import { OkSchema } from "@/lib/contracts/api/common";
import { recordRoute } from "@/lib/http/json-route";

export const DELETE = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage" },
  async ({ caller, params }) => {
    await grantDelete(caller, params.id);
    return { ok: true };
  },
);
