import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { authorizeOrThrow } from "@/lib/authz";
import { VmCreateSchema } from "@/lib/contracts/provisioning";
import { vmCreate } from "@/lib/provisioning/vm-create";

/**
 * Create a VM from a template, an ISO or an existing volume (201 with the VM, or 202 with a
 * task). vm.create on the chosen host; deploying a template also needs template.use there.
 */
export const POST = userRoute(
  { privilege: "vm.create", body: VmCreateSchema, target: ({ body }) => ({ hostId: body.hostId }) },
  async ({ req, session, principal, ip, body }) => {
    if (body.mode === "template") {
      await authorizeOrThrow(principal, "template.use", { hostId: body.hostId }, { ip, method: req.method, path: req.nextUrl.pathname });
    }
    const r = await vmCreate({ session, ip }, body);
    return NextResponse.json(r, { status: r.taskId ? 202 : 201 });
  },
);
