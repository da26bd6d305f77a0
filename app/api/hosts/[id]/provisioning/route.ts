import { authorize } from "@/lib/authz";
import { provisioningHostOptions } from "@/lib/provisioning/host-options";
import { ProvisioningOptionsResponseSchema } from "@/lib/contracts/api/provisioning";
import { hostRoute } from "@/lib/http/json-route";

/**
 * Pools, volumes (ISOs, base images), networks, OS variants and machine types for the provisioning
 * forms; whether the caller may put NICs on host bridges there (network.manage, checked again on create and edit).
 */
export const GET = hostRoute(
  { responses: { 200: ProvisioningOptionsResponseSchema }, privilege: "template.use" },
  async ({ params, caller }) => {
    const mayBridge = await authorize(caller.principal, "network.manage", { hostId: params.id });
    return { options: await provisioningHostOptions(params.id, { mayBridge }) };
  },
);
