import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { cookieName } from "@/lib/auth/session";
import { requestCookieSecure } from "@/lib/http/session-cookie";
import { AppError } from "@/lib/http/errors";
import {
  CHALLENGE_COOKIE,
  CHALLENGE_COOKIE_PATH,
  loginChallengeLookup,
  type LoginChallengeView,
} from "@/lib/auth/login-challenge";

/**
 * Over plain HTTP the challenge cookie is scoped to the login API; a Secure one is
 * `__Host-` named, which requires Path=/.
 */
function challengeCookie(req: NextRequest): { name: string; path: string; secure: boolean } {
  const secure = requestCookieSecure(req);
  return { name: cookieName(CHALLENGE_COOKIE, secure), path: secure ? "/" : CHALLENGE_COOKIE_PATH, secure };
}

export function challengeCookieSet(res: NextResponse, req: NextRequest, token: string, expiresAt: Date): NextResponse {
  const c = challengeCookie(req);
  res.cookies.set(c.name, token, {
    httpOnly: true,
    sameSite: "strict",
    path: c.path,
    secure: c.secure,
    expires: expiresAt,
  });
  return res;
}

export function challengeCookieClear(res: NextResponse, req: NextRequest): NextResponse {
  const c = challengeCookie(req);
  res.cookies.set(c.name, "", {
    httpOnly: true,
    sameSite: "strict",
    path: c.path,
    secure: c.secure,
    expires: new Date(0),
  });
  return res;
}

/** The request's live login challenge, or 401 asking to sign in again. */
export async function challengeRequire(req: NextRequest): Promise<LoginChallengeView> {
  const c = await loginChallengeLookup(req.cookies.get(challengeCookie(req).name)?.value);
  if (!c) throw new AppError("unauthorized", "This sign-in has expired: enter your password again");
  return c;
}
