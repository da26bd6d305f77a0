import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { challengeRequire } from "@/lib/http/challenge-cookie";
import { loginEnrolStart } from "@/lib/auth/login";
import { EnrolmentResponseSchema } from "@/lib/contracts/api/account";

/** Enrolment the security policy requires before the first session: a new secret and its QR code. */
export const POST = publicRoute(
  {
    responses: { 200: EnrolmentResponseSchema },
  },
  async ({ req }) => {
    const challenge = await challengeRequire(req);
    return NextResponse.json({ enrolment: await loginEnrolStart(challenge) });
  },
);
