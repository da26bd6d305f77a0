import { userRoute } from "@/lib/http/route";
import { vmScreenshot } from "@/lib/consoles/screenshot";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { mediaResponse } from "@/lib/http/route-contract";

/**
 * PNG of the guest's screen, for thumbnails. It shows what a console shows (an open root shell, a
 * password on screen), so it needs vm.console, not vm.view.
 */
export const GET = userRoute<undefined, { hostId: string; uuid: string }>(
  {
    params: VmParamsSchema,
    responses: { 200: mediaResponse("image/png", "A PNG screenshot of the VM's display") },
    privilege: "vm.console",
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ params }) => {
    const png = await vmScreenshot(params.hostId, params.uuid);
    return new Response(new Uint8Array(png), {
      headers: { "content-type": "image/png", "cache-control": "private, max-age=5" },
    });
  },
);
