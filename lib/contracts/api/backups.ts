import { z } from "zod";
import { BackupJobViewSchema, BackupPointViewSchema, RepositoryViewSchema } from "@/lib/contracts/backup";

/** Answers of the backup routes (/api/backups/**, /api/vms/:hostId/:uuid/backups). */
export const RepositoryListResponseSchema = z.object({ repositories: z.array(RepositoryViewSchema) });
export const RepositoryResponseSchema = z.object({ repository: RepositoryViewSchema });
export const BackupJobListResponseSchema = z.object({ jobs: z.array(BackupJobViewSchema) });
export const BackupJobResponseSchema = z.object({ job: BackupJobViewSchema });
export const BackupPointListResponseSchema = z.object({ points: z.array(BackupPointViewSchema) });
export const BackupPointResponseSchema = z.object({ point: BackupPointViewSchema });
