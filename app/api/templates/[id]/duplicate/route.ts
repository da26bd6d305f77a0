import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { templateDuplicate, templateGet, templateManageAuthorize } from "@/lib/templates/templates";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";

/** The copy is bound where the original is: template.manage there (globally for a record with no host). */
export const POST = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 201: TemplateResponseSchema },
    privilege: "template.manage",
    anyScope: true,
  },
  async ({ req, caller, ip, params }) => {
    await templateManageAuthorize(caller.principal, (await templateGet(params.id)).defaultHostId, {
      ip,
      method: req.method,
      path: req.nextUrl.pathname,
    });
    return NextResponse.json({ template: await templateDuplicate(caller, params.id) }, { status: 201 });
  },
);
