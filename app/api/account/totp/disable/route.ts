import { TotpDisableSchema, totpDisable } from "@/lib/auth/two-factor";
import { OkSchema } from "@/lib/contracts/api/common";
import { jsonRoute } from "@/lib/http/json-route";

/** Turns two-factor off: needs the password and a current code. */
export const POST = jsonRoute(
  { responses: { 200: OkSchema }, body: TotpDisableSchema, sessionOnly: true },
  async ({ caller, body }) => {
    await totpDisable(caller, body);
    return { ok: true };
  },
);
