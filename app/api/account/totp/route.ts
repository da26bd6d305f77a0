import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { totpStatus } from "@/lib/auth/two-factor";

/** The caller's two-factor state: on, pending enrolment, recovery codes left, required by role. */
export const GET = userRoute({}, async ({ session }) => {
  return NextResponse.json({ totp: await totpStatus(session.user.id) });
});
