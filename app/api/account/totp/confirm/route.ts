import { TotpConfirmSchema, totpEnrolConfirm } from "@/lib/auth/two-factor";
import { RecoveryCodesResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

/** Confirms enrolment with a first code; the answer carries the recovery codes, shown once. */
export const POST = jsonRoute(
  { responses: { 200: RecoveryCodesResponseSchema }, body: TotpConfirmSchema, sessionOnly: true },
  async ({ caller, body }) => totpEnrolConfirm(caller, body.code),
);
