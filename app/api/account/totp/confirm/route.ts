import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TotpConfirmSchema, totpEnrolConfirm } from "@/lib/auth/two-factor";
import { RecoveryCodesResponseSchema } from "@/lib/contracts/api/account";

/** Confirms enrolment with a first code; the answer carries the recovery codes, shown once. */
export const POST = userRoute(
  {
    responses: { 200: RecoveryCodesResponseSchema },
    body: TotpConfirmSchema,
    sessionOnly: true,
  },
  async ({ caller, body }) => {
    return NextResponse.json(await totpEnrolConfirm(caller, body.code));
  },
);
