import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { FleetQuerySchema, fleetVms } from "@/lib/fleet/vms";
import { privilegesForVms, userGrantFacts, visibilityFromGrants } from "@/lib/authz";
import { db } from "@/lib/db/client";
import { VmListResponseSchema } from "@/lib/contracts/api/fleet";

/**
 * The VMs the caller may view (lib/authz visibility, from the grants in SQL):
 * the list, search and counts cover only those; someone granted nothing gets
 * an empty list.
 */
export const GET = userRoute(
  {
    query: FleetQuerySchema,
    responses: { 200: VmListResponseSchema },
  },
  async ({ caller, query }) => {
    // The grants are read once, for what the caller sees and for what they may do on each VM shown.
    const grants = await userGrantFacts(caller.principal.user.id);
    const page = await fleetVms(query, await visibilityFromGrants(caller.principal, "vm.view", grants));
    return NextResponse.json(
      { ...page, privileges: await privilegesForVms(caller.principal, page.vms, db(), grants) },
      { headers: { "cache-control": "no-store" } },
    );
  },
);
