import { hostProbe } from "@/lib/fleet/probe";
import { HostProbeResponseSchema } from "@/lib/contracts/api/fleet";
import { hostRoute } from "@/lib/http/json-route";

/**
 * Connects to the host's address and port and reports what answers: a probe of any endpoint the
 * record names, so host.manage globally (whoever may set the endpoint), not on this host only.
 */
export const POST = hostRoute(
  { responses: { 200: HostProbeResponseSchema }, privilege: "host.manage", globalScope: true },
  async ({ caller, params }) => hostProbe(caller, params.id),
);
