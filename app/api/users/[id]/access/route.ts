import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { userAccess } from "@/lib/authz/vm-access";

/** A user's groups and grants (their own and their groups'). */
export const GET = userRoute<undefined, { id: string }>({ privilege: "user.manage" }, async ({ params }) => {
  return NextResponse.json(await userAccess(params.id));
});
