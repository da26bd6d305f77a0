import { userRoute } from "@/lib/http/route";
import { vmScreenshot } from "@/lib/consoles/screenshot";

/**
 * PNG of the guest's screen, for thumbnails. It shows what a console shows (an open root shell, a
 * password on screen), so it needs vm.console, not vm.view.
 */
export const GET = userRoute<undefined, { hostId: string; uuid: string }>({ privilege: "vm.console", target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) }, async ({ params }) => {
  const png = await vmScreenshot(params.hostId, params.uuid);
  return new Response(new Uint8Array(png), { headers: { "content-type": "image/png", "cache-control": "private, max-age=5" } });
});
