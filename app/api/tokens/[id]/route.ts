import { apiTokenRevoke } from "@/lib/auth/api-tokens";
import { TokenResponseSchema } from "@/lib/contracts/api/account";
import { recordRoute } from "@/lib/http/json-route";

/** Revokes a token: the owner's own, or anyone's with user.manage (others' tokens are not found). */
export const DELETE = recordRoute(
  { responses: { 200: TokenResponseSchema }, sessionOnly: true },
  async ({ caller, params }) => ({ apiToken: await apiTokenRevoke(caller, params.id) }),
);
