import { networkListFleet } from "@/lib/fleet/networks";
import { FleetNetworksResponseSchema } from "@/lib/contracts/api/networks";
import { jsonRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** The networks of every online host the caller may view (host.view there); hosts that fail are listed apart. */
export const GET = jsonRoute({ responses: { 200: FleetNetworksResponseSchema } }, async ({ caller }) =>
  networkListFleet(caller),
);
