import { NextResponse } from "next/server";
import { z } from "zod";
import { userRoute } from "@/lib/http/route";
import { FingerprintSchema } from "@/lib/fleet/hosts";
import { hostKeyAccept } from "@/lib/fleet/host-admin";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";

const Body = z.object({ fingerprint: FingerprintSchema }).strict();

export const POST = userRoute<typeof Body, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: HostResponseSchema },
    privilege: "host.manage",
    body: Body,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ host: await hostKeyAccept(caller, params.id, body.fingerprint) });
  },
);
