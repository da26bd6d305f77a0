import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { ShareLinkCreateSchema, shareLinkCreate, shareLinkList } from "@/lib/consoles/share-links";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { ShareLinkCreatedResponseSchema, ShareLinkListResponseSchema } from "@/lib/contracts/api/consoles";

type P = { hostId: string; uuid: string };
const target = ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid });

/** The VM's console share links that can still be opened: the caller's own, everyone's for user.manage. */
export const GET = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: ShareLinkListResponseSchema },
    privilege: "vm.console",
    target,
  },
  async ({ caller, params }) => {
    return NextResponse.json(await shareLinkList(caller, params.hostId, params.uuid));
  },
);

/** Creates a link that opens this VM's console without an account; the path carries its secret, shown once. */
export const POST = userRoute<typeof ShareLinkCreateSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 201: ShareLinkCreatedResponseSchema },
    privilege: "vm.console",
    body: ShareLinkCreateSchema,
    target,
  },
  async ({ caller, params, body }) => {
    const { link, path } = await shareLinkCreate(caller, params.hostId, params.uuid, body);
    return NextResponse.json({ link, path }, { status: 201 });
  },
);
