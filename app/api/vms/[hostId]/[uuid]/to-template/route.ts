import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmToTemplateSchema } from "@/lib/contracts/provisioning";
import { vmToTemplate } from "@/lib/provisioning/vm-clone";

type P = { hostId: string; uuid: string };

/**
 * Turn a shut-off VM into a template (the VM is never started again). The record made is always
 * bound to the VM's host (defaultHostId), never global, whatever scope template.manage came from.
 */
export const POST = userRoute<typeof VmToTemplateSchema, P>(
  { privilege: "template.manage", body: VmToTemplateSchema, target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) },
  async ({ session, ip, params, body }) => {
    return NextResponse.json(await vmToTemplate({ session, ip }, params.hostId, params.uuid, body), { status: 201 });
  },
);
