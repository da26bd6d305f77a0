import { SnapshotRevertSchema } from "@/lib/contracts/snapshot";
import { SnapshotParamsSchema, SnapshotTaskResponseSchema } from "@/lib/contracts/api/snapshots";
import { jsonRoute } from "@/lib/http/json-route";
import { snapshotRevertEnqueue } from "@/lib/snapshots/snapshots";

type P = { hostId: string; uuid: string; name: string };

/** Reverts the VM to the snapshot as a task (202); `after`: running, paused, or as the snapshot was taken. */
export const POST = jsonRoute(
  {
    params: SnapshotParamsSchema,
    target: ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
    responses: { 202: SnapshotTaskResponseSchema },
    privilege: "vm.snapshot",
    body: SnapshotRevertSchema,
  },
  async ({ caller, params, body }) => snapshotRevertEnqueue(caller, params.hostId, params.uuid, params.name, body),
);
