import { poolAct, poolRemove } from "@/lib/storage/pools";
import { PoolActionSchema } from "@/lib/contracts/storage-pool";
import { OkSchema } from "@/lib/contracts/api/common";
import { HostPoolNameParamsSchema, PoolResponseSchema } from "@/lib/contracts/api/storage";
import { jsonRoute } from "@/lib/http/json-route";

type P = { id: string; pool: string };
const onHost = { params: HostPoolNameParamsSchema, target: ({ params }: { params: P }) => ({ hostId: params.id }) };

/** Start, stop, refresh, or set autostart; stop is refused (409) while a running VM uses a volume of the pool. */
export const POST = jsonRoute(
  { ...onHost, responses: { 200: PoolResponseSchema }, privilege: "storage.manage", body: PoolActionSchema },
  async ({ caller, params, body }) => ({ pool: await poolAct(caller, params.id, params.pool, body) }),
);

/** Stops and undefines the pool; its data stays. Refused (409) while a VM uses a volume of it, naming the VMs. */
export const DELETE = jsonRoute(
  { ...onHost, responses: { 200: OkSchema }, privilege: "storage.manage" },
  async ({ caller, params }) => {
    await poolRemove(caller, params.id, params.pool);
    return { ok: true as const };
  },
);
