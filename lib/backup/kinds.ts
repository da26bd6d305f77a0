import "server-only";
import { z } from "zod";

/** Task kinds of backups and what a point records per disk (shared by run, restore and the services). */
export const TASK_KIND_BACKUP = "backup.run";
export const TASK_KIND_RESTORE = "backup.restore";
export const TASK_KIND_VERIFY = "backup.verify";

export const BackupTaskInputSchema = z.object({
  repositoryId: z.uuid(),
  hostId: z.uuid(),
  vmUuid: z.uuid(),
  vmName: z.string(),
  jobId: z.uuid().nullable().default(null),
});
export type BackupTaskInput = z.infer<typeof BackupTaskInputSchema>;

export interface StoredDisk {
  target: string;
  file: string;
  sourceFormat: string;
  fileSize: number;
  bytes: number;
  sha256: string;
  /** How this disk was taken in this point. */
  mode: "full" | "incremental";
}
