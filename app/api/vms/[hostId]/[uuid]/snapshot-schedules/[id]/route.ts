import { OkSchema } from "@/lib/contracts/api/common";
import { SnapshotScheduleParamsSchema } from "@/lib/contracts/api/snapshots";
import { jsonRoute } from "@/lib/http/json-route";
import { snapshotScheduleDelete } from "@/lib/snapshots/schedules";

type P = { hostId: string; uuid: string; id: string };

/** Removes the schedule; the snapshots it made stay. */
export const DELETE = jsonRoute(
  {
    params: SnapshotScheduleParamsSchema,
    target: ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
    responses: { 200: OkSchema },
    privilege: "vm.snapshot",
  },
  async ({ caller, params }) => {
    await snapshotScheduleDelete(caller, params.hostId, params.uuid, params.id);
    return { ok: true as const };
  },
);
