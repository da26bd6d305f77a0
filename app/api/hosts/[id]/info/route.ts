import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { hostInfo } from "@/lib/fleet/host-info";

export const GET = userRoute<undefined, { id: string }>({ privilege: "host.view", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ info: await hostInfo(params.id) });
});
