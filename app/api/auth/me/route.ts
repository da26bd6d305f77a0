import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { callerAccount } from "@/lib/auth/account";

export const GET = userRoute({}, async ({ caller }) => {
  return NextResponse.json(await callerAccount(caller));
});
