import { vmRoute } from "@/lib/http/json-route";
import { VmDeleteBodySchema, vmDeleteEnqueue, vmDeletePlan } from "@/lib/provisioning/vm-delete";
import { VmDeletePlanResponseSchema, VmDeleteResponseSchema } from "@/lib/contracts/api/storage";

export const dynamic = "force-dynamic";

/** What deleting this VM would do: its disks, which of them may be deleted with it and why not. */
export const GET = vmRoute(
  { responses: { 200: VmDeletePlanResponseSchema }, privilege: "vm.delete" },
  async ({ params }) => ({ plan: await vmDeletePlan(params.hostId, params.uuid) }),
);

/** Deletes the VM (and the listed volumes) as a task; refused up front when a volume may not go. */
export const POST = vmRoute(
  { responses: { 202: VmDeleteResponseSchema }, privilege: "vm.delete", body: VmDeleteBodySchema },
  async ({ caller, params, body }) => ({
    task: await vmDeleteEnqueue(caller, params.hostId, params.uuid, body.volumes),
  }),
);
