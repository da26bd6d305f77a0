import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { groupMemberRemove } from "@/lib/authz/groups";

export const DELETE = userRoute<undefined, { id: string; userId: string }>({ privilege: "user.manage" }, async ({ caller, params }) => {
  await groupMemberRemove(caller, params.id, params.userId);
  return NextResponse.json({ ok: true });
});
