import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { PasswordResetSchema, userPasswordReset } from "@/lib/users/users";

export const POST = userRoute<typeof PasswordResetSchema, { id: string }>(
  { privilege: "user.manage", body: PasswordResetSchema },
  async ({ caller, params, body }) => {
    await userPasswordReset(caller, params.id, body);
    return NextResponse.json({ ok: true });
  },
);
