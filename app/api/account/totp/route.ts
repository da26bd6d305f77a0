import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { totpStatus } from "@/lib/auth/two-factor";
import { TotpStatusResponseSchema } from "@/lib/contracts/api/account";

/** The caller's two-factor state: on, pending enrolment, recovery codes left, required by role. */
export const GET = userRoute(
  {
    responses: { 200: TotpStatusResponseSchema },
  },
  async ({ caller }) => {
    return NextResponse.json({ totp: await totpStatus(caller.principal.user.id) });
  },
);
