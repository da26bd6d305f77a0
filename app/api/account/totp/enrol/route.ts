import { totpEnrolStart } from "@/lib/auth/two-factor";
import { EnrolmentResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

/** Starts enrolment: a new secret, its otpauth URI and QR code. Nothing is on until a code confirms it. */
export const POST = jsonRoute(
  { responses: { 200: EnrolmentResponseSchema }, sessionOnly: true },
  async ({ caller }) => ({ enrolment: await totpEnrolStart(caller.principal.user) }),
);
