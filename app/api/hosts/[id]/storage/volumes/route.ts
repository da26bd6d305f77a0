import { VolumeCreateSchema, storageVolumeCreate } from "@/lib/storage/storage";
import { VolumeResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

/** Creates an empty volume (qcow2 or raw) in a pool. */
export const POST = hostRoute(
  { responses: { 201: VolumeResponseSchema }, privilege: "storage.manage", body: VolumeCreateSchema },
  async ({ caller, params, body }) => ({ volume: await storageVolumeCreate(caller, params.id, body) }),
);
