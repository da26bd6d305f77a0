import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { sessionCookieClear } from "@/lib/http/session-cookie";
import { logout } from "@/lib/auth/login";

export const POST = userRoute({}, async ({ session, ip, req }) => {
  await logout(session, { ip, userAgent: req.headers.get("user-agent") ?? "" });
  return sessionCookieClear(NextResponse.json({ ok: true }), req);
});
