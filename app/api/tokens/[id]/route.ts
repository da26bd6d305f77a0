import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { apiTokenRevoke } from "@/lib/auth/api-tokens";

/** Revokes a token: the owner's own, or anyone's with user.manage (others' tokens are not found). */
export const DELETE = userRoute<undefined, { id: string }>({ sessionOnly: true }, async ({ caller, params }) => {
  return NextResponse.json({ apiToken: await apiTokenRevoke(caller, params.id) });
});
