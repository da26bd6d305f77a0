import { z } from "zod";

/**
 * Snapshots of a VM (shared by the routes, the services and the UI): what the tree shows, and the
 * requests to create, revert, delete and edit. Zod only: safe for the browser.
 */

/**
 * A snapshot name: it reaches virsh as one argv element and the snapshot XML as a text node, so
 * quotes, spaces, `;` and unicode are fine; refused are a leading '-' (virsh would read an option),
 * '/' (libvirt stores one file per name), control characters, "." and "..", and surrounding
 * whitespace (libvirt trims it away, so the name would change).
 */
export const SnapshotNameSchema = z
  .string()
  .min(1, "must not be empty")
  .max(100, "at most 100 characters")
  .refine((s) => !s.startsWith("-"), "must not start with '-'")
  .refine((s) => !s.includes("/"), "must not contain '/'")
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), "must not contain control characters")
  .refine((s) => s.trim() === s, "must not start or end with a space")
  .refine((s) => s !== "." && s !== "..", "must not be '.' or '..'");

export const SnapshotDescriptionSchema = z
  .string()
  .max(2000, "at most 2000 characters")
  .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), "must not contain control characters");

/** internal: inside the qcow2 images (with the RAM when running); external: disk-only overlays. */
export const SnapshotKindSchema = z.enum(["internal", "external"]);
export type SnapshotKind = z.infer<typeof SnapshotKindSchema>;

export const SnapshotCreateSchema = z
  .object({
    name: SnapshotNameSchema,
    description: SnapshotDescriptionSchema.optional(),
    kind: SnapshotKindSchema.default("internal"),
  })
  .strict();
export type SnapshotCreateInput = z.input<typeof SnapshotCreateSchema>;
export type SnapshotCreate = z.output<typeof SnapshotCreateSchema>;

export const SnapshotRevertSchema = z
  .object({
    /** What the VM does after the revert: run, or stay paused (a snapshot of a shut-off VM: off unless chosen). */
    after: z.enum(["running", "paused", "as-taken"]).default("as-taken"),
  })
  .strict();
export type SnapshotRevert = z.output<typeof SnapshotRevertSchema>;

/** leaf: this snapshot only (no children); subtree: with its descendants; merge: an external one into its parent. */
export const SnapshotDeleteModeSchema = z.enum(["leaf", "subtree", "merge"]);
export type SnapshotDeleteMode = z.infer<typeof SnapshotDeleteModeSchema>;
export const SnapshotDeleteQuerySchema = z.object({ mode: SnapshotDeleteModeSchema.default("leaf") });

export const SnapshotEditSchema = z
  .object({ name: SnapshotNameSchema.optional(), description: SnapshotDescriptionSchema.optional() })
  .strict()
  .refine((v) => v.name !== undefined || v.description !== undefined, "name or description is required");
export type SnapshotEdit = z.output<typeof SnapshotEditSchema>;

export const SnapshotViewSchema = z.object({
  name: z.string(),
  description: z.string().nullable(),
  parent: z.string().nullable(),
  /** ISO 8601, null when libvirt did not say. */
  createdAt: z.string().nullable(),
  /** VM state when taken: running, paused, shutoff, disk-snapshot... */
  state: z.string().nullable(),
  /** The VM's RAM is part of it (reverting resumes the guest where it was). */
  memory: z.boolean(),
  diskOnly: z.boolean(),
  location: z.enum(["internal", "external", "mixed", "none"]),
  current: z.boolean(),
  /** Children's names (the tree). */
  children: z.array(z.string()),
  /** Made by a snapshot schedule (retention may delete it). */
  scheduled: z.boolean(),
});
export type SnapshotView = z.infer<typeof SnapshotViewSchema>;

/** What the create dialog needs to offer only what works. */
export const SnapshotCapabilitiesSchema = z.object({
  vmState: z.string(),
  /** Why an internal snapshot would be refused (null: it can be taken). */
  internalRefusal: z.string().nullable(),
  externalRefusal: z.string().nullable(),
  /** The guest agent answers: external snapshots of the running VM are quiesced. */
  guestAgent: z.boolean(),
  /** This host's libvirt reverts external snapshots (9.7 and later). */
  externalRevert: z.boolean(),
  libvirtVersion: z.string().nullable(),
});
export type SnapshotCapabilities = z.infer<typeof SnapshotCapabilitiesSchema>;

// --- scheduled snapshots ----------------------------------------------------------------------

/** "every 4 hours, keep 12" or "daily at 02:00, keep 7" (UTC). Retention keeps 1..100 of its own snapshots. */
export const SnapshotScheduleSpecSchema = z
  .object({
    kind: SnapshotKindSchema.default("internal"),
    every: z.discriminatedUnion("mode", [
      z.object({
        mode: z.literal("hours"),
        hours: z.number().int().min(1, "at least 1 hour").max(168, "at most 168 hours"),
      }),
      z.object({
        mode: z.literal("daily"),
        at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time like 02:00 (24-hour, UTC)"),
      }),
    ]),
    keep: z.number().int().min(1, "keep at least 1 snapshot").max(100, "keep at most 100 snapshots"),
  })
  .strict();
export type SnapshotScheduleSpec = z.output<typeof SnapshotScheduleSpecSchema>;
export type SnapshotScheduleSpecInput = z.input<typeof SnapshotScheduleSpecSchema>;

export const SnapshotScheduleViewSchema = z.object({
  id: z.string(),
  kind: SnapshotKindSchema,
  every: z.union([
    z.object({ mode: z.literal("hours"), hours: z.number() }),
    z.object({ mode: z.literal("daily"), at: z.string() }),
  ]),
  keep: z.number(),
  /** The next runs (ISO 8601, UTC), soonest first. */
  nextRuns: z.array(z.string()),
  lastRunAt: z.string().nullable(),
  /** The last run's task (its status says whether it failed). */
  lastTask: z.object({ id: z.string(), status: z.string(), error: z.string().nullable() }).nullable(),
  /** How many of its snapshots exist now. */
  snapshots: z.number(),
});
export type SnapshotScheduleView = z.infer<typeof SnapshotScheduleViewSchema>;
