import { deniedRequest, recordRoute } from "@/lib/http/json-route";
import { TemplateImageCopyRequestSchema } from "@/lib/contracts/provisioning";
import {
  TemplateImageCopyListResponseSchema,
  TemplateImageCopyStartResponseSchema,
} from "@/lib/contracts/api/provisioning";
import { templateImageCopiesList, templateImageCopyEnqueue } from "@/lib/provisioning/template-image-copy";

/** Where copies of the template's base image exist (host, pool, volume, sha256, bytes). */
export const GET = recordRoute(
  { responses: { 200: TemplateImageCopyListResponseSchema }, privilege: "template.use", anyScope: true },
  async ({ params }) => ({ copies: await templateImageCopiesList(params.id) }),
);

/**
 * Copies the template's base image to another host's pool as a task (streamed through virtdeck,
 * sha256 verified there, then recorded). template.manage where the template is bound (and at the
 * source host), vm.create on the destination host; 409 when the destination already has a volume
 * of that name.
 */
export const POST = recordRoute(
  {
    responses: { 202: TemplateImageCopyStartResponseSchema },
    privilege: "template.manage",
    anyScope: true,
    body: TemplateImageCopyRequestSchema,
  },
  async ({ req, caller, ip, params, body }) =>
    templateImageCopyEnqueue(caller, params.id, body, deniedRequest(req, ip)),
);
