import { SnapshotDeleteQuerySchema, SnapshotEditSchema } from "@/lib/contracts/snapshot";
import {
  SnapshotParamsSchema,
  SnapshotResponseSchema,
  SnapshotTaskResponseSchema,
} from "@/lib/contracts/api/snapshots";
import { jsonRoute } from "@/lib/http/json-route";
import { snapshotDeleteEnqueue, snapshotEdit } from "@/lib/snapshots/snapshots";

type P = { hostId: string; uuid: string; name: string };
const onVm = {
  params: SnapshotParamsSchema,
  target: ({ params }: { params: P }) => ({ hostId: params.hostId, vmUuid: params.uuid }),
};

/** New name (external snapshots without children) and/or description. */
export const PATCH = jsonRoute(
  { ...onVm, responses: { 200: SnapshotResponseSchema }, privilege: "vm.snapshot", body: SnapshotEditSchema },
  async ({ caller, params, body }) => ({
    snapshot: await snapshotEdit(caller, params.hostId, params.uuid, params.name, body),
  }),
);

/**
 * Deletes as a task (202): `mode=leaf` this snapshot only, `subtree` with its descendants, `merge` an
 * external snapshot's overlay into its parent (block commit, progress in the task).
 */
export const DELETE = jsonRoute(
  {
    ...onVm,
    query: SnapshotDeleteQuerySchema,
    responses: { 202: SnapshotTaskResponseSchema },
    privilege: "vm.snapshot",
  },
  async ({ caller, params, query }) =>
    snapshotDeleteEnqueue(caller, params.hostId, params.uuid, params.name, query.mode),
);
