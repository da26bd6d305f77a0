import {
  ApiTokenCreateSchema,
  apiTokenCreate,
  apiTokenGrantable,
  apiTokenMaxDays,
  apiTokensList,
} from "@/lib/auth/api-tokens";
import { TokenCreatedResponseSchema, TokenListQuerySchema, TokenListResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

/** The caller's API tokens (`?all=1`: everyone's, for user.manage), with what a new token may hold. */
export const GET = jsonRoute(
  { query: TokenListQuerySchema, responses: { 200: TokenListResponseSchema } },
  async ({ caller, query }) => {
    const all = query.all === "1";
    const [tokens, grantable, maxDays] = await Promise.all([
      apiTokensList(caller, { all }),
      apiTokenGrantable(caller.principal),
      apiTokenMaxDays(),
    ]);
    return { tokens, grantable, maxDays };
  },
);

/** Creates a token; the answer carries it once. Browser sessions only: a token cannot mint tokens. */
export const POST = jsonRoute(
  { responses: { 201: TokenCreatedResponseSchema }, body: ApiTokenCreateSchema, sessionOnly: true },
  async ({ caller, body }) => {
    const { token, view } = await apiTokenCreate(caller, body);
    return { token, apiToken: view };
  },
);
