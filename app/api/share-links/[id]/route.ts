import { shareLinkRevoke } from "@/lib/consoles/share-links";
import { ShareLinkResponseSchema } from "@/lib/contracts/api/consoles";
import { recordRoute } from "@/lib/http/json-route";

/** Revokes a console share link (its creator still holding vm.console on the VM, or user.manage globally; else 404); its open console closes. */
export const DELETE = recordRoute({ responses: { 200: ShareLinkResponseSchema } }, async ({ caller, params }) => ({
  link: await shareLinkRevoke(caller, params.id),
}));
