import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmToTemplateSchema } from "@/lib/contracts/provisioning";
import { vmToTemplate } from "@/lib/provisioning/vm-template";
import { accessDeniedRecord, authorize } from "@/lib/authz";
import { AppError } from "@/lib/http/errors";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { TemplateResponseSchema } from "@/lib/contracts/api/provisioning";

type P = { hostId: string; uuid: string };

/**
 * Turn a shut-off VM into a template (the VM is never started again). The record made is always
 * bound to the VM's host (defaultHostId), never global; so template.manage is needed at that host,
 * where the record will be managed, not only on the VM.
 */
export const POST = userRoute<typeof VmToTemplateSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 201: TemplateResponseSchema },
    privilege: "template.manage",
    body: VmToTemplateSchema,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ req, caller, ip, params, body }) => {
    // 403, not 404: the caller sees the VM (the route checked template.manage on it).
    if (!(await authorize(caller.principal, "template.manage", { hostId: params.hostId }))) {
      await accessDeniedRecord(
        caller.principal,
        "template.manage",
        { hostId: params.hostId },
        { ip, method: req.method, path: req.nextUrl.pathname },
      );
      throw new AppError(
        "forbidden",
        "A template is managed on its host: you need the right to manage templates on this host",
      );
    }
    return NextResponse.json(await vmToTemplate(caller, params.hostId, params.uuid, body), { status: 201 });
  },
);
