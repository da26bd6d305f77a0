import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { sessionCookieSet } from "@/lib/http/session-cookie";
import { LoginSchema, login } from "@/lib/auth/login";

export const POST = publicRoute({ body: LoginSchema }, async ({ req, body, ip }) => {
  const r = await login(body, { ip, userAgent: req.headers.get("user-agent") ?? "" });
  const res = NextResponse.json({ user: r.user, csrfToken: r.csrfToken });
  return sessionCookieSet(res, req, r.token, r.expiresAt);
});
