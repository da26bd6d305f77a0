import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TotpConfirmSchema, totpEnrolConfirm } from "@/lib/auth/two-factor";

/** Confirms enrolment with a first code; the answer carries the recovery codes, shown once. */
export const POST = userRoute({ body: TotpConfirmSchema, sessionOnly: true }, async ({ caller, body }) => {
  return NextResponse.json(await totpEnrolConfirm(caller, body.code));
});
