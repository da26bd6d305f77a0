import { recordRoute } from "@/lib/http/json-route";
import { RoleUpdateSchema, roleDelete, roleUpdate } from "@/lib/authz/roles";
import { RoleResponseSchema } from "@/lib/contracts/api/access";
import { OkSchema } from "@/lib/contracts/api/common";

/** Custom roles only: built-in roles answer 403. */
export const PATCH = recordRoute(
  { responses: { 200: RoleResponseSchema }, privilege: "user.manage", body: RoleUpdateSchema },
  async ({ caller, params, body }) => ({ role: await roleUpdate(caller, params.id, body) }),
);

export const DELETE = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage" },
  async ({ caller, params }) => {
    await roleDelete(caller, params.id);
    return { ok: true };
  },
);
