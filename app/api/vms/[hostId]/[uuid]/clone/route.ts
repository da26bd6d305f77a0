import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmCloneSchema } from "@/lib/contracts/provisioning";
import { vmClone } from "@/lib/provisioning/vm-clone";
import { accessDeniedRecord, authorize } from "@/lib/authz";
import { AppError } from "@/lib/http/errors";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmCloneResponseSchema } from "@/lib/contracts/api/provisioning";

type P = { hostId: string; uuid: string };

/**
 * Clone a shut-off VM (full, or linked from a template VM) as a task: 202 with the task id.
 * A clone is a new VM on the host: vm.clone on the source and vm.create on the destination
 * (the source's host).
 */
export const POST = userRoute<typeof VmCloneSchema, P>(
  {
    params: VmParamsSchema,
    responses: { 202: VmCloneResponseSchema },
    privilege: "vm.clone",
    body: VmCloneSchema,
    target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
  },
  async ({ req, caller, ip, params, body }) => {
    // 403, not 404: the caller sees the VM (the route checked vm.clone on it), whatever they see of the host.
    if (!(await authorize(caller.principal, "vm.create", { hostId: params.hostId }))) {
      await accessDeniedRecord(
        caller.principal,
        "vm.create",
        { hostId: params.hostId },
        { ip, method: req.method, path: req.nextUrl.pathname },
      );
      throw new AppError("forbidden", "Cloning creates a VM: you need the right to create VMs on this host");
    }
    return NextResponse.json(await vmClone(caller, params.hostId, params.uuid, body), { status: 202 });
  },
);
