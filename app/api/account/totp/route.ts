import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { totpStatus } from "@/lib/auth/two-factor";

/** The caller's two-factor state: on, pending enrolment, recovery codes left, required by role. */
export const GET = userRoute({}, async ({ caller }) => {
  return NextResponse.json({ totp: await totpStatus(caller.principal.user.id) });
});
