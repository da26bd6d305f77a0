import { VolumeRefSchema, storageVolumeDelete } from "@/lib/storage/storage";
import { OkSchema } from "@/lib/contracts/api/common";
import { hostRoute } from "@/lib/http/json-route";

/** Deletes a volume; refused (409) while a domain uses it as a disk or in a backing chain. */
export const POST = hostRoute(
  { responses: { 200: OkSchema }, privilege: "storage.manage", body: VolumeRefSchema },
  async ({ caller, params, body }) => {
    await storageVolumeDelete(caller, params.id, body);
    return { ok: true };
  },
);
