import { SnapshotCreateSchema } from "@/lib/contracts/snapshot";
import { SnapshotListResponseSchema, SnapshotTaskResponseSchema } from "@/lib/contracts/api/snapshots";
import { vmRoute } from "@/lib/http/json-route";
import { snapshotCreateEnqueue, snapshotsOf } from "@/lib/snapshots/snapshots";

/** The VM's snapshot tree (parents before children, the current one marked) and what may be taken now. */
export const GET = vmRoute(
  { responses: { 200: SnapshotListResponseSchema }, privilege: "vm.view" },
  async ({ caller, params }) => snapshotsOf(caller, params.hostId, params.uuid),
);

/**
 * Takes a snapshot as a task (202 with its id): internal (qcow2 disks, with the RAM of a running VM)
 * or external disk-only (any disk, also running; quiesced when the guest agent answers; atomic).
 * Refused (409) with the reason and what to do instead when libvirt would handle the mix badly.
 */
export const POST = vmRoute(
  { responses: { 202: SnapshotTaskResponseSchema }, privilege: "vm.snapshot", body: SnapshotCreateSchema },
  async ({ caller, params, body }) => snapshotCreateEnqueue(caller, params.hostId, params.uuid, body),
);
