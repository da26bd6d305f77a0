import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { GrantCreateSchema, GrantListQuerySchema, grantCreate, grantsList } from "@/lib/authz/grants";
import { GrantListResponseSchema, GrantResponseSchema } from "@/lib/contracts/api/access";

/** Grants, optionally for one user, group, host or VM (?userId= &groupId= &hostId= &vmUuid=). */
export const GET = userRoute(
  {
    query: GrantListQuerySchema,
    responses: { 200: GrantListResponseSchema },
    privilege: "user.manage",
  },
  async ({ query }) => {
    return NextResponse.json({ grants: await grantsList(query) });
  },
);

/** Granting is managing access: only holders of user.manage globally, whoever the subject (themselves included). */
export const POST = userRoute(
  {
    responses: { 201: GrantResponseSchema },
    privilege: "user.manage",
    body: GrantCreateSchema,
  },
  async ({ caller, body }) => {
    return NextResponse.json({ grant: await grantCreate(caller, body) }, { status: 201 });
  },
);
