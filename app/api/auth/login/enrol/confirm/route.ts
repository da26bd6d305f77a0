import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { sessionCookieSet } from "@/lib/http/session-cookie";
import { challengeCookieClear, challengeRequire } from "@/lib/http/challenge-cookie";
import { loginEnrolConfirm } from "@/lib/auth/login";
import { TotpConfirmSchema } from "@/lib/auth/two-factor";
import { EnrolConfirmedResponseSchema } from "@/lib/contracts/api/account";

/** Confirms the policy-required enrolment with a first code: signs in and returns the recovery codes once. */
export const POST = publicRoute(
  {
    responses: { 200: EnrolConfirmedResponseSchema },
    body: TotpConfirmSchema,
  },
  async ({ req, body, ip }) => {
    const challenge = await challengeRequire(req);
    const r = await loginEnrolConfirm(challenge, body.code, { ip, userAgent: req.headers.get("user-agent") ?? "" });
    const res = NextResponse.json({
      step: "done",
      user: r.user,
      csrfToken: r.csrfToken,
      recoveryCodes: r.recoveryCodes,
    });
    return challengeCookieClear(sessionCookieSet(res, req, r.token, r.expiresAt), req);
  },
);
