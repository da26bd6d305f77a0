import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { PasswordResetSchema, userPasswordReset } from "@/lib/users/users";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

export const POST = userRoute<typeof PasswordResetSchema, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
    body: PasswordResetSchema,
  },
  async ({ caller, params, body }) => {
    await userPasswordReset(caller, params.id, body);
    return NextResponse.json({ ok: true });
  },
);
