import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GrantCreateSchema, GrantListQuerySchema, grantCreate, grantsList } from "@/lib/authz/grants";

/** Grants, optionally for one user, group, host or VM (?userId= &groupId= &hostId= &vmUuid=). */
export const GET = userRoute({ privilege: "user.manage" }, async ({ req }) => {
  const query = GrantListQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return NextResponse.json({ grants: await grantsList(query) });
});

/** Granting is managing access: only holders of user.manage globally, whoever the subject (themselves included). */
export const POST = userRoute({ privilege: "user.manage", body: GrantCreateSchema }, async ({ caller, body }) => {
  return NextResponse.json({ grant: await grantCreate(caller, body) }, { status: 201 });
});
