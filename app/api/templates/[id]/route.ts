import { deniedRequest, recordRoute } from "@/lib/http/json-route";
import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateDelete, templateGet, templateManageAuthorize, templateUpdate } from "@/lib/templates/templates";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";

export const GET = recordRoute(
  { responses: { 200: TemplateResponseSchema }, privilege: "template.use", anyScope: true },
  async ({ params }) => ({ template: await templateGet(params.id) }),
);

/**
 * template.manage where the record is bound (its defaultHostId, or globally for a record with
 * none) and where the edit binds it: moving a record to another host or making it global needs
 * the privilege there too.
 */
export const PUT = recordRoute(
  {
    responses: { 200: TemplateResponseSchema },
    privilege: "template.manage",
    anyScope: true,
    body: TemplateInputSchema,
    maxBodyBytes: 512 * 1024,
  },
  async ({ req, caller, ip, params, body }) => {
    const before = await templateGet(params.id);
    await templateManageAuthorize(caller.principal, before.defaultHostId, deniedRequest(req, ip));
    if (body.defaultHostId !== before.defaultHostId)
      await templateManageAuthorize(caller.principal, body.defaultHostId, deniedRequest(req, ip));
    return { template: await templateUpdate(caller, params.id, body) };
  },
);

export const DELETE = recordRoute(
  { responses: { 204: null }, privilege: "template.manage", anyScope: true },
  async ({ req, caller, ip, params }) => {
    const { defaultHostId } = await templateGet(params.id);
    await templateManageAuthorize(caller.principal, defaultHostId, deniedRequest(req, ip));
    await templateDelete(caller, params.id);
  },
);
