import { poolCreate, poolListHost } from "@/lib/storage/pools";
import { PoolSpecSchema } from "@/lib/contracts/storage-pool";
import { PoolResponseSchema, PoolViewListResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** The host's storage pools with state, autostart, capacity, allocation, available bytes and source. */
export const GET = hostRoute(
  { responses: { 200: PoolViewListResponseSchema }, privilege: "host.view" },
  async ({ caller, params }) => ({ pools: await poolListHost(caller, params.id) }),
);

/** Creates a pool (dir, fs, netfs, logical, iscsi, disk): define, build where needed, start, autostart. */
export const POST = hostRoute(
  { responses: { 201: PoolResponseSchema }, privilege: "storage.manage", body: PoolSpecSchema },
  async ({ caller, params, body }) => ({ pool: await poolCreate(caller, params.id, body) }),
);
