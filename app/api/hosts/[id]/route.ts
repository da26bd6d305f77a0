import { deniedRequest, hostRoute } from "@/lib/http/json-route";
import { HostUpdateSchema, hostGet } from "@/lib/fleet/hosts";
import { hostEdit, hostRemove } from "@/lib/fleet/host-admin";
import { OkSchema } from "@/lib/contracts/api/common";
import { HostResponseSchema } from "@/lib/contracts/api/fleet";

export const GET = hostRoute(
  { responses: { 200: HostResponseSchema }, privilege: "host.view" },
  async ({ params }) => ({
    host: await hostGet(params.id),
  }),
);

/**
 * Name and domain type: host.manage on the host. Address, port, SSH user and libvirt URI say
 * which machine the record (and every grant on it) reaches: host.manage globally.
 */
export const PATCH = hostRoute(
  { responses: { 200: HostResponseSchema }, privilege: "host.manage", body: HostUpdateSchema },
  async ({ req, caller, ip, params, body }) => ({
    host: await hostEdit(caller, params.id, body, deniedRequest(req, ip)),
  }),
);

export const DELETE = hostRoute(
  { responses: { 200: OkSchema }, privilege: "host.manage" },
  async ({ caller, params }) => {
    await hostRemove(caller, params.id);
    return { ok: true };
  },
);
