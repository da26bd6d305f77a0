import { networkListHost } from "@/lib/fleet/networks";
import { networkCreate } from "@/lib/fleet/network-changes";
import { NetworkSpecSchema } from "@/lib/contracts/network";
import { NetworkListResponseSchema, NetworkResponseSchema } from "@/lib/contracts/api/networks";
import { hostRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** The host's virtual networks with state, autostart, forward mode, addresses, DHCP ranges and lease counts. */
export const GET = hostRoute(
  { responses: { 200: NetworkListResponseSchema }, privilege: "host.view" },
  async ({ caller, params }) => ({ networks: await networkListHost(caller, params.id) }),
);

/** Defines a network (any forward mode), then autostarts and starts it when asked. */
export const POST = hostRoute(
  { responses: { 201: NetworkResponseSchema }, privilege: "network.manage", body: NetworkSpecSchema },
  async ({ caller, params, body }) => ({ network: await networkCreate(caller, params.id, body) }),
);
