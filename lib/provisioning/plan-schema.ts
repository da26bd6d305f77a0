import { z } from "zod";
import type { DomainCreateSpec } from "@/lib/libvirt/domain-xml-create";

/**
 * A VM build as plain data: the volumes to make, then the domain to define (and start). The
 * request that plans it runs it at once (linked clone, ISO, import) or hands it to a task (full
 * copies), so it must survive a round trip through the task's JSON input.
 */

const VolRef = z.object({ pool: z.string(), name: z.string() });

const DeclaredFormat = z.enum(["qcow2", "raw"]);
/** A backing chain, top first: each image with its declared format (verified by imageInspect). */
const Chain = z.array(z.object({ path: z.string(), format: DeclaredFormat }));

/*
 * Every image a step reads (an overlay's backing file, a copy's source) carries the format
 * virtdeck declared for it (the source domain's <driver type>, the template's disk format), and
 * is inspected as that format (imageInspect) right before the step runs, also when the plan was
 * checked when it was made: a queued task runs later, and a guest may have rewritten its disk.
 */
export const VolumeStepSchema = z.discriminatedUnion("kind", [
  /** qcow2 overlay on a backing file: a linked clone, made in well under a second. */
  z.object({
    kind: z.literal("overlay"),
    pool: z.string(),
    name: z.string(),
    capacityBytes: z.number(),
    backingPath: z.string(),
    backingFormat: DeclaredFormat,
    /** The chain under the backing image when the plan was made; it must still be the same. */
    backingChain: Chain.default([]),
  }),
  /**
   * A full copy of another volume, with progress: a file copy on the host where both pools are
   * file-based and the source is in the same format, else libvirt's copy (vol-create-from,
   * qemu-img convert) once libvirt's view of the source agrees with its declared format.
   */
  z.object({
    kind: z.literal("copy"),
    pool: z.string(),
    name: z.string(),
    format: DeclaredFormat,
    /** The source's declared format (default: the same as the copy's). */
    srcFormat: DeclaredFormat.optional(),
    capacityBytes: z.number(),
    srcPool: z.string(),
    srcName: z.string(),
    srcAllocationBytes: z.number(),
  }),
  z.object({
    kind: z.literal("empty"),
    pool: z.string(),
    name: z.string(),
    format: z.enum(["qcow2", "raw"]),
    capacityBytes: z.number(),
  }),
]);
export type VolumeStep = z.infer<typeof VolumeStepSchema>;

export const PlanDiskSchema = z.object({
  device: z.enum(["disk", "cdrom"]),
  format: z.enum(["qcow2", "raw"]),
  bus: z.enum(["virtio", "sata", "scsi", "ide"]),
  cache: z.string().optional(),
  readonly: z.boolean().optional(),
  volume: VolRef.optional(),
  /** A linked clone's overlay: the chain under it, top first, with declared formats. */
  backing: Chain.optional(),
});

export const CreatePlanSchema = z.object({
  hostId: z.string(),
  start: z.boolean(),
  volumes: z.array(VolumeStepSchema),
  /** Volumes made before the plan ran (a seed ISO) that a failed run must delete too. */
  cleanup: z.array(VolRef).default([]),
  domain: z.custom<Omit<DomainCreateSpec, "disks"> & { disks: z.infer<typeof PlanDiskSchema>[] }>(
    (v) => typeof v === "object" && v !== null,
  ),
  /** A clone: the source's inactive XML, rewritten (name, UUID, MACs) with the new volumes' paths. */
  clone: z
    .object({
      sourceXml: z.string(),
      title: z.string().optional(),
      disks: z.array(z.object({ from: z.string(), volume: VolRef, backing: Chain.optional() })),
    })
    .optional(),
});
export type CreatePlan = z.infer<typeof CreatePlanSchema>;
