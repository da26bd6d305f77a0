import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { templateDuplicate } from "@/lib/templates/templates";

export const POST = userRoute<undefined, { id: string }>({ privilege: "template.manage" }, async ({ session, ip, params }) => {
  return NextResponse.json({ template: await templateDuplicate({ session, ip }, params.id) }, { status: 201 });
});
