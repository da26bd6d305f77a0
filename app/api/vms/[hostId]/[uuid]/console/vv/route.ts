import { userRoute } from "@/lib/http/route";
import { consoleVvCreate } from "@/lib/consoles/tickets";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { mediaResponse } from "@/lib/http/route-contract";

type P = { hostId: string; uuid: string };

/**
 * A .vv file for remote-viewer (SPICE): it connects through this app (HTTP CONNECT with a one-time
 * ticket), never to the host. A browser session only: the file is bound to it.
 */
export const POST = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 201: mediaResponse("application/x-virt-viewer", "A virt-viewer connection file (.vv)") },
    privilege: "vm.console",
    sessionOnly: true,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ req, caller, params }) => {
    // The address the browser used (Next's nextUrl says "localhost" for 127.0.0.1): the viewer runs beside it.
    const origin = `${req.nextUrl.protocol}//${req.headers.get("host") ?? req.nextUrl.host}`;
    const { filename, body } = await consoleVvCreate(caller, params.hostId, params.uuid, origin);
    return new Response(body, {
      status: 201,
      headers: {
        "content-type": "application/x-virt-viewer",
        "content-disposition": `attachment; filename="${filename}"`,
        "cache-control": "no-store",
      },
    });
  },
);
