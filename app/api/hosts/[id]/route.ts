import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { HostUpdateSchema, hostDelete, hostEndpointChanges, hostGet, hostUpdate } from "@/lib/fleet/hosts";
import { authorizeGlobalOrThrow } from "@/lib/authz";
import { fleetForget } from "@/lib/fleet/runtime";
import { eventsUnwatch, eventsWatchHosts } from "@/lib/fleet/events";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";

type P = { id: string };

export const GET = userRoute<undefined, P>({
    params: IdParamsSchema, responses: { 200: HostResponseSchema },
    privilege: "host.view", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ host: await hostGet(params.id) });
});

/**
 * Name and domain type: host.manage on the host. Address, port, SSH user and libvirt URI say
 * which machine the record (and every grant on it) reaches: host.manage globally.
 */
export const PATCH = userRoute<typeof HostUpdateSchema, P>({
    params: IdParamsSchema, responses: { 200: HostResponseSchema },
    privilege: "host.manage", body: HostUpdateSchema, target: ({ params }) => ({ hostId: params.id }) }, async ({ req, caller, ip, params, body }) => {
  if (Object.keys(hostEndpointChanges(await hostGet(params.id), body)).length) {
    await authorizeGlobalOrThrow(caller.principal, "host.manage", { hostId: params.id }, { ip, method: req.method, path: req.nextUrl.pathname });
  }
  const host = await hostUpdate(caller, params.id, body);
  eventsUnwatch(host.id);
  fleetForget(host.id);
  await eventsWatchHosts();
  return NextResponse.json({ host });
});

export const DELETE = userRoute<undefined, P>({
    params: IdParamsSchema, responses: { 200: OkSchema },
    privilege: "host.manage", target: ({ params }) => ({ hostId: params.id }) }, async ({ caller, ip, params }) => {
  const host = await hostGet(params.id);
  await hostDelete(caller, host.id);
  eventsUnwatch(host.id);
  fleetForget(host.id);
  return NextResponse.json({ ok: true });
});
