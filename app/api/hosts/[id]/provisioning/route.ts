import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { provisioningHostOptions } from "@/lib/provisioning/host-options";

/** Pools, volumes (ISOs, base images), networks, OS variants and machine types for the provisioning forms. */
export const GET = userRoute<undefined, { id: string }>({ privilege: "template.use", target: ({ params }) => ({ hostId: params.id }) }, async ({ params }) => {
  return NextResponse.json({ options: await provisioningHostOptions(params.id) });
});
