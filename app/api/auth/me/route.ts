import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";

export const GET = userRoute({}, async ({ session }) => {
  return NextResponse.json({ user: session.user, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
});
