import { hostReadinessPoolFix } from "@/lib/fleet/host-readiness";
import { HostReadinessResponseSchema, PoolFixSchema } from "@/lib/contracts/host-readiness";
import { hostRoute } from "@/lib/http/json-route";

/** Creates (dir pool, built, started) or starts the `default` pool and marks it autostart; the checklist after it. */
export const POST = hostRoute(
  { responses: { 200: HostReadinessResponseSchema }, privilege: "storage.manage", body: PoolFixSchema },
  async ({ caller, params, body }) => ({ readiness: await hostReadinessPoolFix(caller, params.id, body) }),
);
