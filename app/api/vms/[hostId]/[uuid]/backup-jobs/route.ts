import { vmRoute } from "@/lib/http/json-route";
import { BackupJobCreateSchema } from "@/lib/contracts/backup";
import { BackupJobResponseSchema } from "@/lib/contracts/api/backups";
import { backupJobCreate } from "@/lib/backup/jobs";

/** Creates a backup job for the VM: a repository, a cron schedule (UTC) or none, and retention. */
export const POST = vmRoute(
  { responses: { 201: BackupJobResponseSchema }, privilege: "backup.manage", body: BackupJobCreateSchema },
  async ({ caller, params, body }) => ({ job: await backupJobCreate(caller, params.hostId, params.uuid, body) }),
);
