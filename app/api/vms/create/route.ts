import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmCreateSchema } from "@/lib/contracts/provisioning";
import { vmCreateAuthorized } from "@/lib/provisioning/vm-create-access";
import { VmCreateResultSchema } from "@/lib/contracts/api/provisioning";

/**
 * Create a VM from a template, an ISO or an existing volume (201 with the VM, or 202 with a
 * task). vm.create on the chosen host; deploying a template also needs template.use there,
 * importing an existing volume storage.manage there, and a NIC on a host bridge (the form's or
 * the template's) network.manage there (lib/provisioning/vm-create-access.ts).
 */
export const POST = userRoute(
  {
    responses: { 201: VmCreateResultSchema, 202: VmCreateResultSchema },
    privilege: "vm.create",
    body: VmCreateSchema,
    target: ({ body }) => ({ hostId: body.hostId }),
  },
  async ({ req, caller, ip, body }) => {
    const r = await vmCreateAuthorized(caller, body, { ip, method: req.method, path: req.nextUrl.pathname });
    return NextResponse.json(r, { status: r.taskId ? 202 : 201 });
  },
);
