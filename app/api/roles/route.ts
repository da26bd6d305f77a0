import { RoleCreateSchema, roleCreate, rolesList } from "@/lib/authz/roles";
import { RoleListResponseSchema, RoleResponseSchema } from "@/lib/contracts/api/access";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute({ responses: { 200: RoleListResponseSchema }, privilege: "user.manage" }, async () => ({
  roles: await rolesList(),
}));

export const POST = jsonRoute(
  { responses: { 201: RoleResponseSchema }, privilege: "user.manage", body: RoleCreateSchema },
  async ({ caller, body }) => ({ role: await roleCreate(caller, body) }),
);
