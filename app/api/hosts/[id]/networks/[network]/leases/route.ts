import { networkLeases } from "@/lib/fleet/networks";
import { HostNetworkParamsSchema, NetworkLeasesResponseSchema } from "@/lib/contracts/api/networks";
import { jsonRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** The network's current DHCP leases (`net-dhcp-leases`); empty while it is stopped. */
export const GET = jsonRoute<undefined, { id: string; network: string }>(
  {
    params: HostNetworkParamsSchema,
    target: ({ params }) => ({ hostId: params.id }),
    responses: { 200: NetworkLeasesResponseSchema },
    privilege: "host.view",
  },
  async ({ caller, params }) => ({ leases: await networkLeases(caller, params.id, params.network) }),
);
