import { VolumeCloneSchema, storageVolumeCloneEnqueue } from "@/lib/storage/volume-ops";
import { UploadResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

/** Clones a volume within its pool (`vol-clone`) as a task; 409 when the new name is taken. */
export const POST = hostRoute(
  { responses: { 202: UploadResponseSchema }, privilege: "storage.manage", body: VolumeCloneSchema },
  async ({ caller, params, body }) => ({ task: await storageVolumeCloneEnqueue(caller, params.id, body) }),
);
