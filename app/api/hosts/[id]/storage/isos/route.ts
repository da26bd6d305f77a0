import { isoLibrary } from "@/lib/storage/storage";
import { IsoListResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** ISO images across the host's active pools. */
export const GET = hostRoute(
  { responses: { 200: IsoListResponseSchema }, privilege: "host.view" },
  async ({ params }) => ({ isos: await isoLibrary({ hostId: params.id }) }),
);

/** Rescan: refreshes every active pool (pool-refresh), then lists the ISOs. */
export const POST = hostRoute(
  { responses: { 200: IsoListResponseSchema }, privilege: "storage.manage" },
  async ({ params }) => ({ isos: await isoLibrary({ hostId: params.id, rescan: true }) }),
);
