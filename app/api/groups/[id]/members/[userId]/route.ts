import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { groupMemberRemove } from "@/lib/authz/manage";

export const DELETE = userRoute<undefined, { id: string; userId: string }>({ privilege: "user.manage" }, async ({ principal, ip, params }) => {
  await groupMemberRemove({ principal, ip }, params.id, params.userId);
  return NextResponse.json({ ok: true });
});
