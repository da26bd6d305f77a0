import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { isoLibrary } from "@/lib/storage/storage";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { IsoListResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

/** ISO images across the host's active pools. */
export const GET = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: IsoListResponseSchema },
    privilege: "host.view",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({ isos: await isoLibrary({ hostId: params.id }) });
  },
);

/** Rescan: refreshes every active pool (pool-refresh), then lists the ISOs. */
export const POST = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: IsoListResponseSchema },
    privilege: "storage.manage",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({ isos: await isoLibrary({ hostId: params.id, rescan: true }) });
  },
);
