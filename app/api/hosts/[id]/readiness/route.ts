import { hostReadiness } from "@/lib/fleet/host-readiness";
import { HostReadinessResponseSchema } from "@/lib/contracts/host-readiness";
import { hostRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** What the host lacks for a first VM (pool, network, KVM, guest-agent channels) and the fixes offered. */
export const GET = hostRoute(
  { responses: { 200: HostReadinessResponseSchema }, privilege: "host.view" },
  async ({ caller, params }) => ({ readiness: await hostReadiness(caller, params.id) }),
);
