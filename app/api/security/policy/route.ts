import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { SecurityPolicySchema, securityPolicyGet, securityPolicySet } from "@/lib/auth/security-policy";

export const GET = userRoute({ privilege: "user.manage" }, async () => {
  return NextResponse.json({ policy: await securityPolicyGet() });
});

/** Sets the roles that must use two-factor; their users without it are signed out and enrol at next sign-in. */
export const PUT = userRoute({ privilege: "user.manage", body: SecurityPolicySchema }, async ({ caller, body }) => {
  return NextResponse.json({ policy: await securityPolicySet(caller, body) });
});
