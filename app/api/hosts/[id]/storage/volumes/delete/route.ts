import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VolumeRefSchema, storageVolumeDelete } from "@/lib/storage/storage";
import { IdParamsSchema, OkSchema } from "@/lib/contracts/api/common";

/** Deletes a volume; refused (409) while a domain uses it as a disk or in a backing chain. */
export const POST = userRoute<typeof VolumeRefSchema, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: OkSchema },
    privilege: "storage.manage",
    body: VolumeRefSchema,
    target: ({ params }) => ({ hostId: params.id }),
  },
  async ({ caller, params, body }) => {
    await storageVolumeDelete(caller, params.id, body);
    return NextResponse.json({ ok: true });
  },
);
