import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VolumeCreateSchema, storageVolumeCreate } from "@/lib/storage/storage";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { VolumeResponseSchema } from "@/lib/contracts/api/storage";

/** Creates an empty volume (qcow2 or raw) in a pool. */
export const POST = userRoute<typeof VolumeCreateSchema, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 201: VolumeResponseSchema },
    privilege: "storage.manage",
    body: VolumeCreateSchema,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params, body }) => {
    return NextResponse.json({ volume: await storageVolumeCreate(caller, params.id, body) }, { status: 201 });
  },
);
