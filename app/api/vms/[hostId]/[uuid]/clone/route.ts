import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmCloneSchema } from "@/lib/contracts/provisioning";
import { vmClone } from "@/lib/provisioning/vm-clone";

type P = { hostId: string; uuid: string };

/** Clone a shut-off VM (full, or linked from a template VM) as a task: 202 with the task id. */
export const POST = userRoute<typeof VmCloneSchema, P>(
  { privilege: "vm.clone", body: VmCloneSchema, target: ({ params }) => ({ hostId: params.hostId, vmUuid: params.uuid }) },
  async ({ session, ip, params, body }) => {
    return NextResponse.json(await vmClone({ session, ip }, params.hostId, params.uuid, body), { status: 202 });
  },
);
