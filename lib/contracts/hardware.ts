/**
 * Hardware-edit API contract: the edit a VM's hardware tab sends, what it reports back, and the
 * hardware view it shows. zod schemas (input) and wire types (output), shared by the server and the
 * UI. No server-only imports: safe in client components.
 */
import { z } from "zod";
import type { MessageRef } from "@/lib/contracts/messages";
import {
  DiskSpecSchema,
  MacSchema,
  MemoryMiBSchema,
  NicSpecSchema,
  ObjectNameSchema,
  VcpuCountSchema,
  noControl,
} from "@/lib/contracts/provisioning";

/** Hardware edits: each field optional; only what is given changes. */
export const VmEditSchema = z
  .object({
    vcpus: VcpuCountSchema.optional(),
    memoryMiB: MemoryMiBSchema.optional(),
    maxMemoryMiB: MemoryMiBSchema.optional(),
    title: z.string().max(200).refine(noControl, "Title must not contain control characters").optional(),
    description: z.string().max(4000).refine(noControl, "Description must not contain control characters").optional(),
    autostart: z.boolean().optional(),
    bootOrder: z
      .array(z.enum(["hd", "cdrom", "network"]))
      .min(1)
      .max(3)
      .optional(),
    bootMenu: z.boolean().optional(),
    addDisk: DiskSpecSchema.optional(),
    removeDisk: z
      .string()
      .regex(/^[a-z]{2,3}[a-z]{1,2}$/, "Disk target such as vdb")
      .optional(),
    /** With removeDisk: delete the disk's volume too (refused, and nothing changed, while anything else uses it). */
    deleteRemovedVolume: z.boolean().optional(),
    resizeDisk: z
      .object({ target: z.string().regex(/^[a-z]{2,3}[a-z]{1,2}$/), sizeMiB: z.coerce.number().int().min(1) })
      .strict()
      .optional(),
    attachIso: z.object({ pool: ObjectNameSchema, volume: ObjectNameSchema }).strict().optional(),
    ejectIso: z
      .string()
      .regex(/^[a-z]{2,3}[a-z]{1,2}$/)
      .optional(),
    addNic: NicSpecSchema.optional(),
    removeNic: MacSchema.optional(),
  })
  .strict()
  .refine((v) => !v.deleteRemovedVolume || v.removeDisk, {
    path: ["deleteRemovedVolume"],
    message: "Deleting a volume goes with removing its disk (removeDisk)",
  });
export type VmEditInput = z.infer<typeof VmEditSchema>;

/** One change of a hardware edit; `reason` (a message taking `what`) says why it is not applied now. */
export interface VmEditNote extends MessageRef {
  reason?: MessageRef;
}

export interface VmEditResult {
  /** What applied to the running guest at once (or to the definition of a stopped one). */
  live: VmEditNote[];
  /** What is in the persistent definition and applies after the next shutdown. */
  afterShutdown: VmEditNote[];
}

export interface HardwareView {
  vcpus: number;
  maxVcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number;
  title: string;
  description: string;
  bootOrder: string[];
  disks: { target: string; device: string; bus: string; format: string; source: string }[];
  nics: { mac: string; kind: string; source: string; model: string }[];
}

export interface HardwareDiff {
  field: string;
  live: string;
  persistent: string;
}

export interface VmHardwareResponse {
  hostId: string;
  uuid: string;
  name: string;
  state: string;
  running: boolean;
  template: boolean;
  autostart: boolean;
  bootMenu: boolean;
  /** Running: the live definition; else the same as persistent. */
  live: HardwareView;
  persistent: HardwareView;
  /** Changes that apply after the next shutdown. */
  pending: HardwareDiff[];
}
