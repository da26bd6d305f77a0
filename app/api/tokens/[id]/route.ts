import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { apiTokenRevoke } from "@/lib/auth/api-tokens";
import { TokenResponseSchema } from "@/lib/contracts/api/account";
import { IdParamsSchema } from "@/lib/contracts/api/common";

/** Revokes a token: the owner's own, or anyone's with user.manage (others' tokens are not found). */
export const DELETE = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: TokenResponseSchema },
    sessionOnly: true,
  },
  async ({ caller, params }) => {
    return NextResponse.json({ apiToken: await apiTokenRevoke(caller, params.id) });
  },
);
