import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { HostUpdateSchema, hostDelete, hostGet, hostUpdate } from "@/lib/fleet/hosts";
import { fleetForget } from "@/lib/fleet/runtime";
import { eventsUnwatch, eventsWatchHosts } from "@/lib/fleet/events";

type P = { id: string };

export const GET = userRoute<undefined, P>({ privilege: "host.view", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ host: await hostGet(params.id) });
});

export const PATCH = userRoute<typeof HostUpdateSchema, P>({ privilege: "host.manage", body: HostUpdateSchema, target: ({ params }) => ({ hostId: params.id }) }, async ({ session, ip, params, body }) => {
  const host = await hostUpdate({ session, ip }, params.id, body);
  eventsUnwatch(host.id);
  fleetForget(host.id);
  await eventsWatchHosts();
  return NextResponse.json({ host });
});

export const DELETE = userRoute<undefined, P>({ privilege: "host.manage", target: ({ params }) => ({ hostId: params.id }) }, async ({ session, ip, params }) => {
  const host = await hostGet(params.id);
  await hostDelete({ session, ip }, host.id);
  eventsUnwatch(host.id);
  fleetForget(host.id);
  return NextResponse.json({ ok: true });
});
