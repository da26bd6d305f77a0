import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { requestIsHttps } from "@/lib/http/client-address";
import { SESSION_COOKIE, cookieName, cookieSecure, sessionCookieOptions } from "@/lib/auth/session";

type RequestLike = Pick<NextRequest, "headers" | "url">;

/** Cookies of this request are Secure (and `__Host-` named): HTTPS, or VIRTDECK_COOKIE_SECURE=true. */
export function requestCookieSecure(req: RequestLike): boolean {
  return cookieSecure(requestIsHttps(req.headers, req.url));
}

/** The session cookie's name for this request's scheme. */
export function sessionCookieName(req: RequestLike): string {
  return cookieName(SESSION_COOKIE, requestCookieSecure(req));
}

/** The session token the request carries under its scheme's cookie name. */
export function sessionTokenOf(req: Pick<NextRequest, "headers" | "url" | "cookies">): string | undefined {
  return req.cookies.get(sessionCookieName(req))?.value;
}

export function sessionCookieSet(res: NextResponse, req: NextRequest, token: string, expiresAt: Date): NextResponse {
  const secure = requestCookieSecure(req);
  res.cookies.set(cookieName(SESSION_COOKIE, secure), token, sessionCookieOptions(expiresAt, secure));
  return res;
}

export function sessionCookieClear(res: NextResponse, req: NextRequest): NextResponse {
  const secure = requestCookieSecure(req);
  res.cookies.set(cookieName(SESSION_COOKIE, secure), "", {
    httpOnly: true,
    sameSite: "lax",
    path: "/",
    secure,
    expires: new Date(0),
  });
  return res;
}
