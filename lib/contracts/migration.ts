import { z } from "zod";
import { MessageRefSchema } from "./messages";

/** Body of POST /api/vms/{hostId}/{uuid}/migrate. */
export const VmMigrateSchema = z
  .object({
    destHostId: z.uuid({ error: "Unknown host" }),
    /** Keep the guest defined on the destination (live migration; offline always defines it). */
    persistent: z.boolean().default(true),
    /** Remove the definition from the source once the destination runs the guest. */
    undefineSource: z.boolean().default(true),
    autoConverge: z.boolean().default(false),
    postcopyAfterPrecopy: z.boolean().default(false),
    /** MiB/s; none: as fast as the relay carries it. */
    bandwidthMiB: z.number().int().min(1).max(100_000).optional(),
  })
  .strict();
export type VmMigrateInput = z.infer<typeof VmMigrateSchema>;

/** Query of GET /api/vms/{hostId}/{uuid}/migrate (the pre-flight report). */
export const VmMigratePreflightQuerySchema = z.object({ destHostId: z.uuid({ error: "Unknown host" }) }).strict();

export const PreflightCheckSchema = z.object({
  id: z.enum([
    "destination",
    "reachable",
    "state",
    "emulator",
    "machine",
    "cpu",
    "disks",
    "networks",
    "memory",
    "clash",
  ]),
  status: z.enum(["pass", "fail", "skip"]),
  /** English. */
  reason: z.string(),
  /** The reason as a key of the "migration" catalogue (`reasons.*`) and its arguments, for the reader's language. */
  reasonRef: MessageRefSchema,
});
export const PreflightReportSchema = z.object({
  ok: z.boolean(),
  mode: z.enum(["live", "offline"]),
  checks: z.array(PreflightCheckSchema),
});
export const VmMigrateResponseSchema = z.object({ taskId: z.string() });
export type PreflightReport = z.infer<typeof PreflightReportSchema>;
export type PreflightCheckId = z.infer<typeof PreflightCheckSchema>["id"];
