import { GrantCreateSchema, GrantListQuerySchema, grantCreate, grantsList } from "@/lib/authz/grants";
import { GrantListResponseSchema, GrantResponseSchema } from "@/lib/contracts/api/access";
import { jsonRoute } from "@/lib/http/json-route";

/** Grants, optionally for one user, group, host or VM (?userId= &groupId= &hostId= &vmUuid=). */
export const GET = jsonRoute(
  { query: GrantListQuerySchema, responses: { 200: GrantListResponseSchema }, privilege: "user.manage" },
  async ({ query }) => ({ grants: await grantsList(query) }),
);

/** Granting is managing access: only holders of user.manage globally, whoever the subject (themselves included). */
export const POST = jsonRoute(
  { responses: { 201: GrantResponseSchema }, privilege: "user.manage", body: GrantCreateSchema },
  async ({ caller, body }) => ({ grant: await grantCreate(caller, body) }),
);
