import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { storageVolumeList } from "@/lib/storage/storage";
import { HostPoolParamsSchema } from "@/lib/contracts/api/common";
import { VolumeListResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

/** Volumes of one pool. */
export const GET = userRoute<undefined, { id: string; pool: string }>(
  {
    params: HostPoolParamsSchema,
    responses: { 200: VolumeListResponseSchema },
    privilege: "host.view",
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ params }) => {
    return NextResponse.json({
      volumes: await storageVolumeList({ hostId: params.id, pool: decodeURIComponent(params.pool) }),
    });
  },
);
