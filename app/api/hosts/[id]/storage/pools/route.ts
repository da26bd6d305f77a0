import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { storagePoolList } from "@/lib/storage/storage";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { PoolListResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

/** The host's storage pools with capacity, allocation and available bytes. */
export const GET = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: PoolListResponseSchema },
    privilege: "host.view",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({ pools: await storagePoolList({ hostId: params.id }) });
  },
);
