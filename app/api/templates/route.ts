import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateCreate, templatesList } from "@/lib/templates/templates";

export const GET = userRoute({ privilege: "template.use", anyScope: true }, async () => {
  return NextResponse.json({ templates: await templatesList() });
});

/** A template for one host (defaultHostId): template.manage there; for every host (none): globally. */
export const POST = userRoute({
  privilege: "template.manage",
  body: TemplateInputSchema,
  maxBodyBytes: 512 * 1024,
  target: ({ body }) => (body.defaultHostId ? { hostId: body.defaultHostId } : {}),
}, async ({ session, ip, body }) => {
  return NextResponse.json({ template: await templateCreate({ session, ip }, body) }, { status: 201 });
});
