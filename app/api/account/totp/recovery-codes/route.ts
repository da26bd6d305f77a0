import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RecoveryRegenerateSchema, recoveryCodesRegenerate } from "@/lib/auth/two-factor";
import { RecoveryCodesResponseSchema } from "@/lib/contracts/api/account";

/** Replaces every recovery code with ten new ones (shown once); needs a current code. */
export const POST = userRoute(
  {
    responses: { 200: RecoveryCodesResponseSchema },
    body: RecoveryRegenerateSchema,
    sessionOnly: true,
  },
  async ({ caller, body }) => {
    return NextResponse.json(await recoveryCodesRegenerate(caller, body.code));
  },
);
