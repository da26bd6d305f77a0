import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { RoleUpdateSchema, roleDelete, roleUpdate } from "@/lib/authz/manage";

type P = { id: string };

/** Custom roles only: built-in roles answer 403. */
export const PATCH = userRoute<typeof RoleUpdateSchema, P>({ privilege: "user.manage", body: RoleUpdateSchema }, async ({ principal, ip, params, body }) => {
  return NextResponse.json({ role: await roleUpdate({ principal, ip }, params.id, body) });
});

export const DELETE = userRoute<undefined, P>({ privilege: "user.manage" }, async ({ principal, ip, params }) => {
  await roleDelete({ principal, ip }, params.id);
  return NextResponse.json({ ok: true });
});
