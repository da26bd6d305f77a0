import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { shareLinkRevoke } from "@/lib/consoles/share-links";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { ShareLinkResponseSchema } from "@/lib/contracts/api/consoles";

/** Revokes a console share link (its creator still holding vm.console on the VM, or user.manage globally; else 404); its open console closes. */
export const DELETE = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: ShareLinkResponseSchema },
  },
  async ({ caller, params }) => {
    return NextResponse.json({ link: await shareLinkRevoke(caller, params.id) });
  },
);
