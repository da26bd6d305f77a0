import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TemplateInputSchema } from "@/lib/contracts/provisioning";
import { templateCreate, templatesList } from "@/lib/templates/templates";

export const GET = userRoute({ privilege: "template.use", anyScope: true }, async () => {
  return NextResponse.json({ templates: await templatesList() });
});

export const POST = userRoute({ privilege: "template.manage", body: TemplateInputSchema, maxBodyBytes: 512 * 1024 }, async ({ session, ip, body }) => {
  return NextResponse.json({ template: await templateCreate({ session, ip }, body) }, { status: 201 });
});
