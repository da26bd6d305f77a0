import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { shareLinkRevoke } from "@/lib/consoles/share-links";

/** Revokes a console share link (its creator still holding vm.console on the VM, or user.manage globally; else 404); its open console closes. */
export const DELETE = userRoute<undefined, { id: string }>({}, async ({ caller, params }) => {
  return NextResponse.json({ link: await shareLinkRevoke(caller, params.id) });
});
