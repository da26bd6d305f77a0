import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { AppError } from "@/lib/http/errors";
import { UserIdSchema } from "@/lib/users/users";
import { totpAdminReset } from "@/lib/auth/two-factor";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

type P = { id: string };

/** Removes a user's authenticator and recovery codes (lost device); their sessions end. */
export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "user.manage",
  },
  async ({ caller, params }) => {
    const id = UserIdSchema.safeParse(params.id);
    if (!id.success) throw new AppError("not_found", "Unknown user");
    await totpAdminReset(caller, id.data);
    return NextResponse.json({ ok: true });
  },
);
