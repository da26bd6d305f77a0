import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { shareLinkRevoke } from "@/lib/consoles/share-links";

/** Revokes a console share link (its creator, or a holder of user.manage); its open console closes. */
export const DELETE = userRoute<undefined, { id: string }>({}, async ({ principal, ip, params }) => {
  return NextResponse.json({ link: await shareLinkRevoke({ principal, ip }, params.id) });
});
