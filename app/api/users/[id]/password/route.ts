import { PasswordResetSchema, userPasswordReset } from "@/lib/users/users";
import { OkSchema } from "@/lib/contracts/api/common";
import { recordRoute } from "@/lib/http/json-route";

export const POST = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage", body: PasswordResetSchema },
  async ({ caller, params, body }) => {
    await userPasswordReset(caller, params.id, body);
    return { ok: true };
  },
);
