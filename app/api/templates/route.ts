import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateCreate, templateManageAuthorize, templatesList } from "@/lib/templates/templates";
import { TemplateListResponseSchema, TemplateResponseSchema } from "@/lib/contracts/api/provisioning";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute(
  { responses: { 200: TemplateListResponseSchema }, privilege: "template.use", anyScope: true },
  async () => ({ templates: await templatesList() }),
);

/**
 * A template for one host (defaultHostId): template.manage there; for every host (none): globally.
 * Held nowhere: 403 before the body is read.
 */
export const POST = jsonRoute(
  {
    responses: { 201: TemplateResponseSchema },
    privilege: "template.manage",
    anyScope: true,
    body: TemplateInputSchema,
    maxBodyBytes: 512 * 1024,
  },
  async ({ req, caller, ip, body }) => {
    await templateManageAuthorize(caller.principal, body.defaultHostId, {
      ip,
      method: req.method,
      path: req.nextUrl.pathname,
    });
    return { template: await templateCreate(caller, body) };
  },
);
