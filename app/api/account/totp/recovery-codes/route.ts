import { RecoveryRegenerateSchema, recoveryCodesRegenerate } from "@/lib/auth/two-factor";
import { RecoveryCodesResponseSchema } from "@/lib/contracts/api/account";
import { jsonRoute } from "@/lib/http/json-route";

/** Replaces every recovery code with ten new ones (shown once); needs a current code. */
export const POST = jsonRoute(
  { responses: { 200: RecoveryCodesResponseSchema }, body: RecoveryRegenerateSchema, sessionOnly: true },
  async ({ caller, body }) => recoveryCodesRegenerate(caller, body.code),
);
