import { networkAct, networkDelete, networkEdit } from "@/lib/fleet/network-changes";
import { NetworkActionSchema, NetworkSpecSchema } from "@/lib/contracts/network";
import { OkSchema } from "@/lib/contracts/api/common";
import {
  HostNetworkParamsSchema,
  NetworkEditResponseSchema,
  NetworkResponseSchema,
} from "@/lib/contracts/api/networks";
import { jsonRoute } from "@/lib/http/json-route";

type P = { id: string; network: string };
const onHost = { params: HostNetworkParamsSchema, target: ({ params }: { params: P }) => ({ hostId: params.id }) };

/** Start, stop, or set autostart. */
export const POST = jsonRoute(
  { ...onHost, responses: { 200: NetworkResponseSchema }, privilege: "network.manage", body: NetworkActionSchema },
  async ({ caller, params, body }) => ({ network: await networkAct(caller, params.id, params.network, body) }),
);

/** Rewrites the stored definition (read-modify-write); a running network takes it on its next start. */
export const PUT = jsonRoute(
  { ...onHost, responses: { 200: NetworkEditResponseSchema }, privilege: "network.manage", body: NetworkSpecSchema },
  async ({ caller, params, body }) => networkEdit(caller, params.id, params.network, body),
);

/** Stops and undefines the network; refused (409) while a running VM uses it, naming the VMs. */
export const DELETE = jsonRoute(
  { ...onHost, responses: { 200: OkSchema }, privilege: "network.manage" },
  async ({ caller, params }) => {
    await networkDelete(caller, params.id, params.network);
    return { ok: true as const };
  },
);
