import { userAccess } from "@/lib/authz/vm-access";
import { UserAccessSchema } from "@/lib/contracts/api/access";
import { recordRoute } from "@/lib/http/json-route";

/** A user's groups and grants (their own and their groups'). */
export const GET = recordRoute({ responses: { 200: UserAccessSchema }, privilege: "user.manage" }, async ({ params }) =>
  userAccess(params.id),
);
