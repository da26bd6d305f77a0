import { templateDuplicate, templateGet, templateManageAuthorize } from "@/lib/templates/templates";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";
import { recordRoute } from "@/lib/http/json-route";

/** The copy is bound where the original is: template.manage there (globally for a record with no host). */
export const POST = recordRoute(
  { responses: { 201: TemplateResponseSchema }, privilege: "template.manage", anyScope: true },
  async ({ req, caller, ip, params }) => {
    await templateManageAuthorize(caller.principal, (await templateGet(params.id)).defaultHostId, {
      ip,
      method: req.method,
      path: req.nextUrl.pathname,
    });
    return { template: await templateDuplicate(caller, params.id) };
  },
);
