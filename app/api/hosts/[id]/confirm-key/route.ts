import { NextResponse } from "next/server";
import { z } from "zod";
import { userRoute } from "@/lib/http/route";
import { FingerprintSchema } from "@/lib/fleet/hosts";
import { hostKeyAccept } from "@/lib/fleet/host-admin";

const Body = z.object({ fingerprint: FingerprintSchema }).strict();

export const POST = userRoute<typeof Body, { id: string }>({ privilege: "host.manage", body: Body, target: ({ params }) => ({ hostId: params.id }) }, async ({ session, ip, params, body }) => {
  return NextResponse.json({ host: await hostKeyAccept({ session, ip }, params.id, body.fingerprint) });
});
