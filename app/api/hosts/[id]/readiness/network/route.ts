import { hostReadinessNetworkFix } from "@/lib/fleet/host-readiness";
import { HostReadinessResponseSchema, NetworkFixSchema } from "@/lib/contracts/host-readiness";
import { hostRoute } from "@/lib/http/json-route";

/** Starts the `default` network and marks it autostart; the checklist after it. */
export const POST = hostRoute(
  { responses: { 200: HostReadinessResponseSchema }, privilege: "network.manage", body: NetworkFixSchema },
  async ({ caller, params }) => ({ readiness: await hostReadinessNetworkFix(caller, params.id) }),
);
