import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { PasswordChangeSchema, accountPasswordChange } from "@/lib/users/users";
import { OkSchema } from "@/lib/contracts/api/common";

export const POST = userRoute(
  {
    responses: { 200: OkSchema },
    body: PasswordChangeSchema,
    sessionOnly: true,
  },
  async ({ caller, body }) => {
    await accountPasswordChange(caller, body);
    return NextResponse.json({ ok: true });
  },
);
