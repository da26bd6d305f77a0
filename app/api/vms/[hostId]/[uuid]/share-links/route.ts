import { vmRoute } from "@/lib/http/json-route";
import { ShareLinkCreateSchema, shareLinkCreate, shareLinkList } from "@/lib/consoles/share-links";
import { ShareLinkCreatedResponseSchema, ShareLinkListResponseSchema } from "@/lib/contracts/api/consoles";

/** The VM's console share links that can still be opened: the caller's own, everyone's for user.manage. */
export const GET = vmRoute(
  { responses: { 200: ShareLinkListResponseSchema }, privilege: "vm.console" },
  async ({ caller, params }) => shareLinkList(caller, params.hostId, params.uuid),
);

/** Creates a link that opens this VM's console without an account; the path carries its secret, shown once. */
export const POST = vmRoute(
  { responses: { 201: ShareLinkCreatedResponseSchema }, privilege: "vm.console", body: ShareLinkCreateSchema },
  async ({ caller, params, body }) => {
    const { link, path } = await shareLinkCreate(caller, params.hostId, params.uuid, body);
    return { link, path };
  },
);
