import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmCreateSchema } from "@/lib/contracts/provisioning";
import { vmCreate } from "@/lib/provisioning/vm-create";

/** Create a VM from a template, an ISO or an existing volume (201 with the VM, or 202 with a task). */
export const POST = userRoute(
  { privilege: "vm.create", body: VmCreateSchema, target: ({ body }) => ({ hostId: body.hostId }) },
  async ({ session, ip, body }) => {
    const r = await vmCreate({ session, ip }, body);
    return NextResponse.json(r, { status: r.taskId ? 202 : 201 });
  },
);
