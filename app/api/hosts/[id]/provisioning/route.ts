import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { authorize } from "@/lib/authz";
import { provisioningHostOptions } from "@/lib/provisioning/host-options";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { ProvisioningOptionsResponseSchema } from "@/lib/contracts/api/provisioning";

/**
 * Pools, volumes (ISOs, base images), networks, OS variants and machine types for the provisioning
 * forms; whether the caller may put NICs on host bridges there (network.manage, checked again on create and edit).
 */
export const GET = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: ProvisioningOptionsResponseSchema },
    privilege: "template.use",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params, caller }) => {
    const mayBridge = await authorize(caller.principal, "network.manage", { hostId: params.id });
    return NextResponse.json({ options: await provisioningHostOptions(params.id, { mayBridge }) });
  },
);
