import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { sessionCookieClear } from "@/lib/http/session-cookie";
import { logout } from "@/lib/auth/login";
import { OkSchema } from "@/lib/contracts/api/common";

export const POST = userRoute(
  {
    responses: { 200: OkSchema },
  },
  async ({ caller, req }) => {
    await logout(caller);
    return sessionCookieClear(NextResponse.json({ ok: true }), req);
  },
);
