import "server-only";
import type { NextRequest, NextResponse } from "next/server";
import { requestIsHttps } from "@/lib/http/client-address";
import { SESSION_COOKIE, cookieSecure, sessionCookieOptions } from "@/lib/auth/session";

export function sessionCookieSet(res: NextResponse, req: NextRequest, token: string, expiresAt: Date): NextResponse {
  res.cookies.set(SESSION_COOKIE, token, sessionCookieOptions(expiresAt, cookieSecure(requestIsHttps(req.headers, req.url))));
  return res;
}

export function sessionCookieClear(res: NextResponse): NextResponse {
  res.cookies.set(SESSION_COOKIE, "", { httpOnly: true, sameSite: "lax", path: "/", expires: new Date(0) });
  return res;
}
