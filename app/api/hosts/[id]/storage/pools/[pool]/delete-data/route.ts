import { poolDeleteData } from "@/lib/storage/pools";
import { PoolDeleteDataSchema } from "@/lib/contracts/storage-pool";
import { HostPoolNameParamsSchema, PoolResponseSchema } from "@/lib/contracts/api/storage";
import { jsonRoute } from "@/lib/http/json-route";

/**
 * Deletes the pool's data: every volume, then its storage (directory, volume group, partition table);
 * the definition stays. The body repeats the pool's name; refused (409) while a VM uses a volume of it.
 */
export const POST = jsonRoute<typeof PoolDeleteDataSchema, { id: string; pool: string }>(
  {
    params: HostPoolNameParamsSchema,
    target: ({ params }) => ({ hostId: params.id }),
    responses: { 200: PoolResponseSchema },
    privilege: "storage.manage",
    body: PoolDeleteDataSchema,
  },
  async ({ caller, params, body }) => ({ pool: await poolDeleteData(caller, params.id, params.pool, body) }),
);
