import { vmRoute } from "@/lib/http/json-route";
import { BackupRunSchema } from "@/lib/contracts/backup";
import { BackupPointListResponseSchema } from "@/lib/contracts/api/backups";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";
import { backupStart, pointList } from "@/lib/backup/backups";

export const dynamic = "force-dynamic";

/** The VM's backup points, newest first (backup.restore on the VM). */
export const GET = vmRoute(
  { responses: { 200: BackupPointListResponseSchema }, privilege: "backup.restore" },
  async ({ caller, params }) => ({ points: await pointList(caller, params.hostId, params.uuid) }),
);

/** Backs the VM up into a repository now (full, or incremental since its last point there), as a task. */
export const POST = vmRoute(
  { responses: { 202: TaskResponseSchema }, privilege: "backup.manage", body: BackupRunSchema },
  async ({ caller, params, body }) => ({ task: await backupStart(caller, params.hostId, params.uuid, body) }),
);
