import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { grantDelete } from "@/lib/authz/grants";

export const DELETE = userRoute<undefined, { id: string }>({ privilege: "user.manage" }, async ({ caller, params }) => {
  await grantDelete(caller, params.id);
  return NextResponse.json({ ok: true });
});
