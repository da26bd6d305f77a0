import { storagePoolList } from "@/lib/storage/storage";
import { PoolListResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** The host's storage pools with capacity, allocation and available bytes. */
export const GET = hostRoute(
  { responses: { 200: PoolListResponseSchema }, privilege: "host.view" },
  async ({ params }) => ({ pools: await storagePoolList({ hostId: params.id }) }),
);
