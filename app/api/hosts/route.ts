import { HostCreateSchema, hostCreate, hostsList } from "@/lib/fleet/hosts";
import { visibility, visibilityHosts } from "@/lib/authz";
import { HostListResponseSchema, HostResponseSchema } from "@/lib/contracts/api/fleet";
import { jsonRoute } from "@/lib/http/json-route";

/** The hosts the caller holds host.view on (globally or per host). */
export const GET = jsonRoute(
  { responses: { 200: HostListResponseSchema }, privilege: "host.view", anyScope: true },
  async ({ caller }) => ({
    hosts: await hostsList(visibilityHosts(await visibility(caller.principal, "host.view"))),
  }),
);

export const POST = jsonRoute(
  { responses: { 201: HostResponseSchema }, privilege: "host.manage", body: HostCreateSchema },
  async ({ caller, body }) => ({ host: await hostCreate(caller, body) }),
);
