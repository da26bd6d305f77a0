import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TotpDisableSchema, totpDisable } from "@/lib/auth/two-factor";
import { OkSchema } from "@/lib/contracts/api/common";

/** Turns two-factor off: needs the password and a current code. */
export const POST = userRoute(
  {
    responses: { 200: OkSchema },
    body: TotpDisableSchema,
    sessionOnly: true,
  },
  async ({ caller, body }) => {
    await totpDisable(caller, body);
    return NextResponse.json({ ok: true });
  },
);
