import { AppError } from "@/lib/http/errors";
import { UserIdSchema } from "@/lib/users/users";
import { totpAdminReset } from "@/lib/auth/two-factor";
import { OkSchema } from "@/lib/contracts/api/common";
import { recordRoute } from "@/lib/http/json-route";

/** Removes a user's authenticator and recovery codes (lost device); their sessions end. */
export const DELETE = recordRoute(
  { responses: { 200: OkSchema }, privilege: "user.manage" },
  async ({ caller, params }) => {
    const id = UserIdSchema.safeParse(params.id);
    if (!id.success) throw new AppError("not_found", "Unknown user");
    await totpAdminReset(caller, id.data);
    return { ok: true };
  },
);
