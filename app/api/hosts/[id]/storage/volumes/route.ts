import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VolumeCreateSchema, storageVolumeCreate } from "@/lib/storage/storage";

/** Creates an empty volume (qcow2 or raw) in a pool. */
export const POST = userRoute<typeof VolumeCreateSchema, { id: string }>(
  { privilege: "storage.manage", body: VolumeCreateSchema, target: ({ params }) => ({ hostId: params.id }) },
  async ({ caller, params, body }) => {
    return NextResponse.json({ volume: await storageVolumeCreate(caller, params.id, body) }, { status: 201 });
  },
);
