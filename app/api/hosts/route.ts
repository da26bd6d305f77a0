import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { HostCreateSchema, hostCreate, hostsList } from "@/lib/fleet/hosts";
import { visibility, visibilityHosts } from "@/lib/authz";
import { HostListResponseSchema, HostResponseSchema } from "@/lib/contracts/api/fleet";

/** The hosts the caller holds host.view on (globally or per host). */
export const GET = userRoute(
  {
    responses: { 200: HostListResponseSchema },
    privilege: "host.view",
    anyScope: true,
  },
  async ({ caller }) => {
    return NextResponse.json({
      hosts: await hostsList(visibilityHosts(await visibility(caller.principal, "host.view"))),
    });
  },
);

export const POST = userRoute(
  {
    responses: { 201: HostResponseSchema },
    privilege: "host.manage",
    body: HostCreateSchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ host: await hostCreate(caller, body) }, { status: 201 });
  },
);
