import { totpStatus } from "@/lib/auth/two-factor";
import { TotpStatusResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

/** The caller's two-factor state: on, pending enrolment, recovery codes left, required by role. */
export const GET = jsonRoute({ responses: { 200: TotpStatusResponseSchema } }, async ({ caller }) => ({
  totp: await totpStatus(caller.principal.user.id),
}));
