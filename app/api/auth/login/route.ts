import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { sessionCookieSet } from "@/lib/http/session-cookie";
import { challengeCookieClear, challengeCookieSet } from "@/lib/http/challenge-cookie";
import { LoginSchema, loginPassword } from "@/lib/auth/login";
import { LoginResponseSchema } from "@/lib/contracts/api/account";

/**
 * Password step. Answers `{ step: "done", user, csrfToken }` with the session
 * cookie, or `{ step: "totp" | "enrol" }` with a login-challenge cookie (no
 * session) when a second factor is needed.
 */
export const POST = publicRoute(
  {
    responses: { 200: LoginResponseSchema },
    body: LoginSchema,
  },
  async ({ req, body, ip }) => {
    const r = await loginPassword(body, { ip, userAgent: req.headers.get("user-agent") ?? "" });
    if (r.step !== "done") {
      return challengeCookieSet(NextResponse.json({ step: r.step }), req, r.challengeToken, r.challengeExpiresAt);
    }
    const res = NextResponse.json({ step: "done", user: r.user, csrfToken: r.csrfToken });
    return challengeCookieClear(sessionCookieSet(res, req, r.token, r.expiresAt), req);
  },
);
