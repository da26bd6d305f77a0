import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { hostProbe } from "@/lib/fleet/probe";

export const POST = userRoute<undefined, { id: string }>({ privilege: "host.manage", target: ({ params }) => ({ hostId: params.id }) }, async ({ session, ip, params }) => {
  return NextResponse.json(await hostProbe({ session, ip }, params.id));
});
