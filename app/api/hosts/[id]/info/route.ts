import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { hostInfo } from "@/lib/fleet/host-info";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { HostInfoResponseSchema } from "@/lib/contracts/api/fleet";

export const GET = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: HostInfoResponseSchema },
    privilege: "host.view",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({ info: await hostInfo(params.id) });
  },
);
