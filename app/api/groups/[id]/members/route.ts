import { GroupMemberSchema, groupMemberAdd } from "@/lib/authz/groups";
import { OkSchema } from "@/lib/contracts/api/common";
import { recordRoute } from "@/lib/http/json-route";

export const POST = recordRoute(
  { responses: { 201: OkSchema }, privilege: "user.manage", body: GroupMemberSchema },
  async ({ caller, params, body }) => {
    await groupMemberAdd(caller, params.id, body.userId);
    return { ok: true };
  },
);
