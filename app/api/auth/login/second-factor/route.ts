import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { sessionCookieSet } from "@/lib/http/session-cookie";
import { challengeCookieClear, challengeRequire } from "@/lib/http/challenge-cookie";
import { loginSecondFactor } from "@/lib/auth/login";
import { SecondFactorLoginSchema } from "@/lib/auth/two-factor";
import { SignedInResponseSchema } from "@/lib/contracts/api/account";

/** Second step of a sign-in: a TOTP code or a recovery code, with the login-challenge cookie. */
export const POST = publicRoute(
  {
    responses: { 200: SignedInResponseSchema },
    body: SecondFactorLoginSchema,
  },
  async ({ req, body, ip }) => {
    const challenge = await challengeRequire(req);
    const r = await loginSecondFactor(challenge, body.code, { ip, userAgent: req.headers.get("user-agent") ?? "" });
    const res = NextResponse.json({ step: "done", user: r.user, csrfToken: r.csrfToken });
    return challengeCookieClear(sessionCookieSet(res, req, r.token, r.expiresAt), req);
  },
);
