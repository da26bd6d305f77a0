import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { PasswordChangeSchema, accountPasswordChange } from "@/lib/users/users";

export const POST = userRoute({ body: PasswordChangeSchema, sessionOnly: true }, async ({ caller, body }) => {
  await accountPasswordChange(caller, body);
  return NextResponse.json({ ok: true });
});
