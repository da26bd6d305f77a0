import { SnapshotScheduleSpecSchema } from "@/lib/contracts/snapshot";
import { SnapshotScheduleListResponseSchema, SnapshotScheduleResponseSchema } from "@/lib/contracts/api/snapshots";
import { vmRoute } from "@/lib/http/json-route";
import { snapshotScheduleCreate, snapshotSchedulesOf } from "@/lib/snapshots/schedules";

/** The VM's snapshot schedules with their next runs (UTC) and how the last run went. */
export const GET = vmRoute(
  { responses: { 200: SnapshotScheduleListResponseSchema }, privilege: "vm.view" },
  async ({ caller, params }) => ({ schedules: await snapshotSchedulesOf(caller, params.hostId, params.uuid) }),
);

/** "every 4 hours, keep 12" / "daily at 02:00, keep 7": runs as tasks; retention deletes only its own snapshots. */
export const POST = vmRoute(
  { responses: { 201: SnapshotScheduleResponseSchema }, privilege: "vm.snapshot", body: SnapshotScheduleSpecSchema },
  async ({ caller, params, body }) => ({
    schedule: await snapshotScheduleCreate(caller, params.hostId, params.uuid, body),
  }),
);
