import { PasswordChangeSchema, accountPasswordChange } from "@/lib/users/users";
import { OkSchema } from "@/lib/contracts/api/common";
import { jsonRoute } from "@/lib/http/json-route";

export const POST = jsonRoute(
  { responses: { 200: OkSchema }, body: PasswordChangeSchema, sessionOnly: true },
  async ({ caller, body }) => {
    await accountPasswordChange(caller, body);
    return { ok: true };
  },
);
