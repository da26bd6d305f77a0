import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmToTemplateSchema } from "@/lib/contracts/provisioning";
import { vmToTemplate } from "@/lib/provisioning/vm-clone";
import { templateManageAuthorize } from "@/lib/templates/templates";

type P = { hostId: string; uuid: string };

/**
 * Turn a shut-off VM into a template (the VM is never started again). The record made is bound
 * to the VM's host (defaultHostId), so template.manage at that host (or globally) is needed.
 */
export const POST = userRoute<typeof VmToTemplateSchema, P>(
  { privilege: "template.manage", body: VmToTemplateSchema, target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) },
  async ({ req, principal, session, ip, params, body }) => {
    await templateManageAuthorize(principal, params.hostId, { ip, method: req.method, path: req.nextUrl.pathname });
    return NextResponse.json(await vmToTemplate({ session, ip }, params.hostId, params.uuid, body), { status: 201 });
  },
);
