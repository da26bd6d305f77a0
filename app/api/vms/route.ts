import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { FleetQuerySchema, fleetVms } from "@/lib/fleet/vms";
import { privilegesForVms, visibility } from "@/lib/authz";
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
    const page = await fleetVms(query, await visibility(caller.principal, "vm.view"));
    return NextResponse.json(
      { ...page, privileges: await privilegesForVms(caller.principal, page.vms) },
      { headers: { "cache-control": "no-store" } },
    );
  },
);
