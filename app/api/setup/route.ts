import { NextResponse } from "next/server";
import { publicRoute } from "@/lib/http/route";
import { sessionCookieSet } from "@/lib/http/session-cookie";
import { SetupSchema, setupFirstAdmin } from "@/lib/auth/login";
import { SetupResponseSchema } from "@/lib/contracts/api/account";

/** First run: creates the first admin and signs them in. Refused once any user exists. */
export const POST = publicRoute(
  {
    responses: { 201: SetupResponseSchema },
    body: SetupSchema,
  },
  async ({ req, body, ip }) => {
    const r = await setupFirstAdmin(body, { ip, userAgent: req.headers.get("user-agent") ?? "" });
    const res = NextResponse.json({ user: r.user, csrfToken: r.csrfToken }, { status: 201 });
    return sessionCookieSet(res, req, r.token, r.expiresAt);
  },
);
