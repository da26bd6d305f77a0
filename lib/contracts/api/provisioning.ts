import { z } from "zod";
import { HardwareSpecSchema, SourceSpecSchema, TemplateCloudInitSchema } from "@/lib/contracts/provisioning";
import { IsoDateSchema } from "@/lib/contracts/api/common";
import { MessageRefSchema } from "@/lib/contracts/messages";

/** Answers of templates, VM create/clone/edit and the create wizard's host options. */

export const TemplateViewSchema = HardwareSpecSchema.extend({
  name: z.string(),
  description: z.string(),
  source: SourceSpecSchema,
  cloudInit: TemplateCloudInitSchema.nullable(),
  defaultHostId: z.string().nullable(),
  id: z.string(),
  createdAt: IsoDateSchema,
  updatedAt: IsoDateSchema,
  createdBy: z.string(),
});
export const TemplateListResponseSchema = z.object({ templates: z.array(TemplateViewSchema) });
export const TemplateResponseSchema = z.object({ template: TemplateViewSchema });

export const TemplateImageCopyViewSchema = z.object({
  id: z.string(),
  templateId: z.string(),
  hostId: z.string(),
  hostName: z.string(),
  pool: z.string(),
  volume: z.string(),
  sha256: z.string(),
  bytes: z.number(),
  createdAt: IsoDateSchema,
});
export const TemplateImageCopyListResponseSchema = z.object({ copies: z.array(TemplateImageCopyViewSchema) });
export const TemplateImageCopyStartResponseSchema = z.object({ taskId: z.string() });

const VmEditNoteSchema = MessageRefSchema.extend({ reason: MessageRefSchema.optional() });
const PreflightWarningSchema = z.object({
  code: z.enum(["memory", "disk", "network"]),
  message: z.string(),
  messageKey: MessageRefSchema,
  neededBytes: z.number(),
  availableBytes: z.number(),
});
export const VmCreateResultSchema = z.object({
  vm: z.object({ hostId: z.string(), uuid: z.string(), name: z.string() }).optional(),
  taskId: z.string().optional(),
  warnings: z.array(PreflightWarningSchema),
});
export const VmCloneResponseSchema = z.object({ taskId: z.string() });
export const VmUnmarkResponseSchema = z.object({
  template: z.object({ id: z.string(), name: z.string(), deleted: z.boolean() }).nullable(),
});

const HardwareViewSchema = z.object({
  vcpus: z.number(),
  maxVcpus: z.number(),
  memoryMiB: z.number(),
  maxMemoryMiB: z.number(),
  title: z.string(),
  description: z.string(),
  bootOrder: z.array(z.string()),
  disks: z.array(
    z.object({ target: z.string(), device: z.string(), bus: z.string(), format: z.string(), source: z.string() }),
  ),
  nics: z.array(z.object({ mac: z.string(), kind: z.string(), source: z.string(), model: z.string() })),
});
export const VmHardwareSchema = z.object({
  hostId: z.string(),
  uuid: z.string(),
  name: z.string(),
  state: z.string(),
  running: z.boolean(),
  template: z.boolean(),
  autostart: z.boolean(),
  bootMenu: z.boolean(),
  live: HardwareViewSchema,
  persistent: HardwareViewSchema,
  pending: z.array(z.object({ field: z.string(), live: z.string(), persistent: z.string() })),
});
export const VmHardwareResponseSchema = z.object({ hardware: VmHardwareSchema });
/** The edit's notes (message keys, each may carry a reason) and the hardware after it. */
export const VmEditResponseSchema = z.object({
  result: z.object({ live: z.array(VmEditNoteSchema), afterShutdown: z.array(VmEditNoteSchema) }),
  hardware: VmHardwareSchema,
});

export const ProvisioningHostOptionsSchema = z.object({
  hostId: z.string(),
  osVariants: z.array(z.object({ id: z.string(), name: z.string() })),
  osVariantsFromHost: z.boolean(),
  pools: z.array(
    z.object({ name: z.string(), active: z.boolean(), capacityBytes: z.number(), availableBytes: z.number() }),
  ),
  volumes: z.array(
    z.object({ pool: z.string(), name: z.string(), capacityBytes: z.number(), format: z.string(), iso: z.boolean() }),
  ),
  networks: z.array(z.object({ name: z.string(), active: z.boolean() })),
  mayBridge: z.boolean(),
  machineTypes: z.array(z.string()),
  uefi: z.boolean(),
  cpuModels: z.array(z.string()),
  freeMemoryBytes: z.number().nullable(),
});
export const ProvisioningOptionsResponseSchema = z.object({ options: ProvisioningHostOptionsSchema });
