import { NextResponse, type NextRequest } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateDelete, templateGet, templateManageAuthorize, templateUpdate } from "@/lib/templates/templates";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";

type P = { id: string };

const denied = (req: NextRequest, ip: string) => ({ ip, method: req.method, path: req.nextUrl.pathname });

export const GET = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 200: TemplateResponseSchema },
    privilege: "template.use",
    anyScope: true,
  },
  async ({ params }) => {
    return NextResponse.json({ template: await templateGet(params.id) });
  },
);

/**
 * template.manage where the record is bound (its defaultHostId, or globally for a record with
 * none) and where the edit binds it: moving a record to another host or making it global needs
 * the privilege there too.
 */
export const PUT = userRoute<typeof TemplateInputSchema, P>(
  {
    params: IdParamsSchema,
    responses: { 200: TemplateResponseSchema },
    privilege: "template.manage",
    anyScope: true,
    body: TemplateInputSchema,
    maxBodyBytes: 512 * 1024,
  },
  async ({ req, caller, ip, params, body }) => {
    const before = await templateGet(params.id);
    await templateManageAuthorize(caller.principal, before.defaultHostId, denied(req, ip));
    if (body.defaultHostId !== before.defaultHostId)
      await templateManageAuthorize(caller.principal, body.defaultHostId, denied(req, ip));
    return NextResponse.json({ template: await templateUpdate(caller, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>(
  {
    params: IdParamsSchema,
    responses: { 204: null },
    privilege: "template.manage",
    anyScope: true,
  },
  async ({ req, caller, ip, params }) => {
    await templateManageAuthorize(caller.principal, (await templateGet(params.id)).defaultHostId, denied(req, ip));
    await templateDelete(caller, params.id);
    return new NextResponse(null, { status: 204 });
  },
);
