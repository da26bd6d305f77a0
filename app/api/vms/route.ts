import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { FleetQuerySchema, fleetVms } from "@/lib/fleet/vms";

export const GET = userRoute({ privilege: "vm.view" }, async ({ req }) => {
  const query = FleetQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return NextResponse.json(await fleetVms(query), { headers: { "cache-control": "no-store" } });
});
