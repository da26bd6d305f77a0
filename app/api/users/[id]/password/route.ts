import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { PasswordResetSchema, userPasswordReset } from "@/lib/users/users";

export const POST = userRoute<typeof PasswordResetSchema, { id: string }>(
  { privilege: "user.manage", body: PasswordResetSchema },
  async ({ session, ip, params, body }) => {
    await userPasswordReset({ session, ip }, params.id, body);
    return NextResponse.json({ ok: true });
  },
);
