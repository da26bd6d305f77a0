import { VolumeResizeSchema, storageVolumeResize } from "@/lib/storage/volume-ops";
import { VolumeResponseSchema } from "@/lib/contracts/api/storage";
import { hostRoute } from "@/lib/http/json-route";

/** Grows a volume (`vol-resize`); refused when smaller (422) or while a running VM uses it (409). */
export const POST = hostRoute(
  { responses: { 200: VolumeResponseSchema }, privilege: "storage.manage", body: VolumeResizeSchema },
  async ({ caller, params, body }) => ({ volume: await storageVolumeResize(caller, params.id, body) }),
);
