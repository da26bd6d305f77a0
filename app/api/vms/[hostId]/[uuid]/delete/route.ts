import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { VmDeleteBodySchema, vmDeleteEnqueue, vmDeletePlan } from "@/lib/provisioning/vm-delete";
import { VmParamsSchema } from "@/lib/contracts/api/common";
import { VmDeletePlanResponseSchema, VmDeleteResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

type P = { hostId: string; uuid: string };
const target = ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid });

/** What deleting this VM would do: its disks, which of them may be deleted with it and why not. */
export const GET = userRoute<undefined, P>(
  {
    params: VmParamsSchema,
    responses: { 200: VmDeletePlanResponseSchema },
    privilege: "vm.delete",
    target,
  },
  async ({ params }) => {
    return NextResponse.json({ plan: await vmDeletePlan(params.hostId, params.uuid) });
  },
);

/** Deletes the VM (and the listed volumes) as a task; refused up front when a volume may not go. */
export const POST = userRoute<typeof VmDeleteBodySchema, P>(
  {
    params: VmParamsSchema,
    responses: { 202: VmDeleteResponseSchema },
    privilege: "vm.delete",
    body: VmDeleteBodySchema,
    target,
  },
  async ({ caller, params, body }) => {
    return NextResponse.json(
      { task: await vmDeleteEnqueue(caller, params.hostId, params.uuid, body.volumes) },
      { status: 202 },
    );
  },
);
