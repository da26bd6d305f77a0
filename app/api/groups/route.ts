import { GroupCreateSchema, groupCreate, groupsList } from "@/lib/authz/groups";
import { GroupListResponseSchema, GroupResponseSchema } from "@/lib/contracts/api/access";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute({ responses: { 200: GroupListResponseSchema }, privilege: "user.manage" }, async () => ({
  groups: await groupsList(),
}));

export const POST = jsonRoute(
  { responses: { 201: GroupResponseSchema }, privilege: "user.manage", body: GroupCreateSchema },
  async ({ caller, body }) => ({ group: await groupCreate(caller, body) }),
);
