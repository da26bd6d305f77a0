import { SecurityPolicySchema, securityPolicyGet, securityPolicySet } from "@/lib/auth/security-policy";
import { SecurityPolicyResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute(
  { responses: { 200: SecurityPolicyResponseSchema }, privilege: "user.manage" },
  async () => ({ policy: await securityPolicyGet() }),
);

/** Sets the roles that must use two-factor; their users without it are signed out and enrol at next sign-in. */
export const PUT = jsonRoute(
  { responses: { 200: SecurityPolicyResponseSchema }, privilege: "user.manage", body: SecurityPolicySchema },
  async ({ caller, body }) => ({ policy: await securityPolicySet(caller, body) }),
);
