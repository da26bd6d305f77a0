import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { SecurityPolicySchema, securityPolicyGet, securityPolicySet } from "@/lib/auth/security-policy";
import { SecurityPolicyResponseSchema } from "@/lib/contracts/api/account";

export const GET = userRoute(
  {
    responses: { 200: SecurityPolicyResponseSchema },
    privilege: "user.manage",
  },
  async () => {
    return NextResponse.json({ policy: await securityPolicyGet() });
  },
);

/** Sets the roles that must use two-factor; their users without it are signed out and enrol at next sign-in. */
export const PUT = userRoute(
  {
    responses: { 200: SecurityPolicyResponseSchema },
    privilege: "user.manage",
    body: SecurityPolicySchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ policy: await securityPolicySet(caller, body) });
  },
);
