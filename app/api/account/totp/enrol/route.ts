import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { totpEnrolStart } from "@/lib/auth/two-factor";
import { EnrolmentResponseSchema } from "@/lib/contracts/api/account";

/** Starts enrolment: a new secret, its otpauth URI and QR code. Nothing is on until a code confirms it. */
export const POST = userRoute(
  {
    responses: { 200: EnrolmentResponseSchema },
    sessionOnly: true,
  },
  async ({ caller }) => {
    return NextResponse.json({ enrolment: await totpEnrolStart(caller.principal.user) });
  },
);
