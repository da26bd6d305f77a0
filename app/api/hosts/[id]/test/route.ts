import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { hostProbe } from "@/lib/fleet/probe";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { HostProbeResponseSchema } from "@/lib/contracts/api/fleet";

/**
 * Connects to the host's address and port and reports what answers: a probe of any endpoint the
 * record names, so host.manage globally (whoever may set the endpoint), not on this host only.
 */
export const POST = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: HostProbeResponseSchema },
    privilege: "host.manage",
    globalScope: true,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params }) => {
    return NextResponse.json(await hostProbe(caller, params.id));
  },
);
