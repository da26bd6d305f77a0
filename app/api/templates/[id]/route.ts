import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateDelete, templateGet, templateUpdate } from "@/lib/templates/templates";

type P = { id: string };

export const GET = userRoute<undefined, P>({ privilege: "template.use", anyScope: true }, async ({ params }) => {
  return NextResponse.json({ template: await templateGet(params.id) });
});

export const PUT = userRoute<typeof TemplateInputSchema, P>(
  { privilege: "template.manage", body: TemplateInputSchema, maxBodyBytes: 512 * 1024 },
  async ({ session, ip, params, body }) => {
    return NextResponse.json({ template: await templateUpdate({ session, ip }, params.id, body) });
  },
);

export const DELETE = userRoute<undefined, P>({ privilege: "template.manage" }, async ({ session, ip, params }) => {
  await templateDelete({ session, ip }, params.id);
  return new NextResponse(null, { status: 204 });
});
