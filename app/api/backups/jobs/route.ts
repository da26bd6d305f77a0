import { jsonRoute } from "@/lib/http/json-route";
import { BackupJobListResponseSchema } from "@/lib/contracts/api/backups";
import { backupJobList } from "@/lib/backup/jobs";

export const dynamic = "force-dynamic";

/** Backup jobs of the VMs where the caller manages backups: VM, repository, cron schedule (UTC), retention. */
export const GET = jsonRoute(
  { responses: { 200: BackupJobListResponseSchema }, privilege: "backup.manage", anyScope: true },
  async ({ caller }) => ({ jobs: await backupJobList(caller) }),
);
