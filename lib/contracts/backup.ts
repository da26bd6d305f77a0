import { z } from "zod";
import { VmNameSchema } from "./provisioning";

/** Backups: repositories, points, jobs, restore (lib/backup). Shared by routes, OpenAPI and the UI. */

/** A repository's name: letters, digits, '_', '.', '-' (no leading '-' or '.'). */
export const BackupNameSchema = z
  .string({ error: "Name must be text" })
  .trim()
  .min(1, "Name is required")
  .max(64, "Name must be at most 64 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "Name may contain only letters, digits, '_', '.' and '-'")
  .refine((s) => !s.startsWith("-") && !s.startsWith("."), "Name must not start with '-' or '.'");

/**
 * A repository directory on its host: absolute, normalised (no '.', '..' or empty segments, no
 * trailing '/'), not '/', no control characters, no characters a shell or libvirt's XML would
 * treat specially (quotes, '$', '`', ';', '&', '<', '>', '\', '|', '*', '?', ',' and ':' ).
 */
export const RepositoryPathSchema = z
  .string({ error: "Path must be text" })
  .trim()
  .min(2, "Path is required")
  .max(1024, "Path must be at most 1024 characters")
  .refine((s) => s.startsWith("/"), "Path must be absolute (start with '/')")
  .transform((s) => (s.length > 1 ? s.replace(/\/+$/, "") : s))
  .refine((s) => s !== "" && s !== "/", "Path must not be '/'")
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "Path must not contain control characters")
  .refine((s) => !/["'$`;&<>\\|*?,:!{}[\]()#~]/.test(s), "Path may not contain quotes or shell characters")
  .refine(
    (s) =>
      s
        .split("/")
        .slice(1)
        .every((seg) => seg !== "" && seg !== "." && seg !== ".."),
    "Path must not contain '.', '..' or '//' segments",
  )
  .refine((s) => s.split("/").every((seg) => !seg.startsWith("-")), "Path segments must not start with '-'");

export const RepositoryCreateSchema = z
  .object({
    name: BackupNameSchema,
    path: RepositoryPathSchema,
  })
  .strict();
export type RepositoryCreateInput = z.input<typeof RepositoryCreateSchema>;

export const RepositoryViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  path: z.string(),
  pointCount: z.number().int(),
  bytes: z.number(),
  freeBytes: z.number().nullable(),
  createdAt: z.string(),
});
export type RepositoryView = z.infer<typeof RepositoryViewSchema>;

export const BackupDiskViewSchema = z.object({
  target: z.string(),
  file: z.string(),
  sourceFormat: z.string(),
  fileSize: z.number(),
  bytes: z.number(),
  sha256: z.string(),
});
export type BackupDiskView = z.infer<typeof BackupDiskViewSchema>;

export const BackupPointViewSchema = z.object({
  id: z.string(),
  repositoryId: z.string(),
  repositoryName: z.string(),
  hostId: z.string(),
  vmUuid: z.string(),
  vmName: z.string(),
  kind: z.enum(["full", "incremental"]),
  parentId: z.string().nullable(),
  method: z.string(),
  disks: z.array(BackupDiskViewSchema),
  bytes: z.number(),
  createdAt: z.string(),
  verifiedAt: z.string().nullable(),
});
export type BackupPointView = z.infer<typeof BackupPointViewSchema>;

export const BackupRunSchema = z.object({ repositoryId: z.uuid({ error: "Pick a repository" }) }).strict();
export type BackupRunInput = z.input<typeof BackupRunSchema>;

export const RestoreSchema = z
  .object({
    /** Host the new VM is defined on. */
    hostId: z.uuid({ error: "Pick a host" }),
    name: VmNameSchema,
    /** Directory storage pool on that host for the new disks. */
    pool: z
      .string()
      .trim()
      .min(1, "Pick a storage pool")
      .max(255)
      .refine((s) => !s.startsWith("-") && !/[\u0000-\u001f\u007f/]/.test(s), "Not a pool name"),
    start: z.boolean().default(false),
  })
  .strict();
export type RestoreInput = z.input<typeof RestoreSchema>;

/** Five cron fields (minute hour day month weekday), digits, '*', ',', '-', '/' only. */
export const CronSchema = z
  .string()
  .trim()
  .max(100)
  .regex(/^([0-9*,/-]+\s+){4}[0-9*,/-]+$/, "Schedule must be a cron expression of five fields, e.g. 0 2 * * *");

const keep = (what: string) =>
  z
    .number({ error: `Keep ${what} must be a number` })
    .int(`Keep ${what} must be a whole number`)
    .min(0, `Keep ${what} must not be negative`)
    .max(1000, `Keep ${what} must be at most 1000`);

export const BackupJobCreateSchema = z
  .object({
    name: BackupNameSchema,
    repositoryId: z.uuid({ error: "Pick a repository" }),
    schedule: CronSchema.nullable().default(null),
    keepDaily: keep("daily").default(7),
    keepWeekly: keep("weekly").default(4),
    keepMonthly: keep("monthly").default(3),
    enabled: z.boolean().default(true),
  })
  .strict()
  .superRefine((j, ctx) => {
    if (j.keepDaily + j.keepWeekly + j.keepMonthly < 1)
      ctx.addIssue({
        code: "custom",
        path: ["keepDaily"],
        message: "Retention must keep at least one backup (daily, weekly or monthly)",
      });
  });
export type BackupJobCreateInput = z.input<typeof BackupJobCreateSchema>;

export const BackupJobViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  hostId: z.string(),
  vmUuid: z.string(),
  repositoryId: z.string(),
  repositoryName: z.string(),
  schedule: z.string().nullable(),
  keepDaily: z.number().int(),
  keepWeekly: z.number().int(),
  keepMonthly: z.number().int(),
  enabled: z.boolean(),
  lastRunAt: z.string().nullable(),
});
export type BackupJobView = z.infer<typeof BackupJobViewSchema>;
