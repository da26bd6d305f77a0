import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { callerAccount } from "@/lib/auth/account";
import { MeResponseSchema } from "@/lib/contracts/api/account";

export const GET = userRoute(
  {
    responses: { 200: MeResponseSchema },
  },
  async ({ caller }) => {
    return NextResponse.json(await callerAccount(caller));
  },
);
