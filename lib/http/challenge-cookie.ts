import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { requestIsHttps } from "@/lib/http/client-address";
import { cookieSecure } from "@/lib/auth/session";
import { AppError } from "@/lib/http/errors";
import { CHALLENGE_COOKIE, CHALLENGE_COOKIE_PATH, loginChallengeLookup, type LoginChallengeView } from "@/lib/auth/login-challenge";

export function challengeCookieSet(res: NextResponse, req: NextRequest, token: string, expiresAt: Date): NextResponse {
  res.cookies.set(CHALLENGE_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    path: CHALLENGE_COOKIE_PATH,
    secure: cookieSecure(requestIsHttps(req.headers, req.url)),
    expires: expiresAt,
  });
  return res;
}

export function challengeCookieClear(res: NextResponse): NextResponse {
  res.cookies.set(CHALLENGE_COOKIE, "", { httpOnly: true, sameSite: "strict", path: CHALLENGE_COOKIE_PATH, expires: new Date(0) });
  return res;
}

/** The request's live login challenge, or 401 asking to sign in again. */
export async function challengeRequire(req: NextRequest): Promise<LoginChallengeView> {
  const c = await loginChallengeLookup(req.cookies.get(CHALLENGE_COOKIE)?.value);
  if (!c) throw new AppError("unauthorized", "This sign-in has expired: enter your password again");
  return c;
}
