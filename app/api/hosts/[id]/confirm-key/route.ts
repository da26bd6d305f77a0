import { NextResponse } from "next/server";
import { z } from "zod";
import { userRoute } from "@/lib/http/route";
import { FingerprintSchema, hostGet, hostKeyConfirm } from "@/lib/fleet/hosts";
import { fleetForget } from "@/lib/fleet/runtime";
import { eventsUnwatch, eventsWatchHosts } from "@/lib/fleet/events";
import { inventoryGet } from "@/lib/fleet/inventory";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";

const Body = z.object({ fingerprint: FingerprintSchema }).strict();

export const POST = userRoute<typeof Body, { id: string }>({
    params: IdParamsSchema, responses: { 200: HostResponseSchema },
    privilege: "host.manage", body: Body, target: ({ params }) => ({ hostId: params.id }) }, async ({ caller, params, body }) => {
  const host = await hostKeyConfirm(caller, params.id, body.fingerprint);
  eventsUnwatch(host.id);
  fleetForget(host.id);
  // Connect right away so the host shows online (or why not) without waiting for a page load.
  await inventoryGet(host.id).catch(() => {});
  await eventsWatchHosts();
  return NextResponse.json({ host: await hostGet(host.id) });
});
