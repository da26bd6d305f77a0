/**
 * Provisioning API contract: templates, VM creation, clone and hardware edits. zod schemas (input)
 * and wire types (output), shared by the server and the UI. No server-only imports: safe in client
 * components.
 */
import { z } from "zod";
import { typedNameSchema } from "@/lib/contracts/text";
import type { MessageRef } from "@/lib/contracts/messages";

/** No control characters but tab, newline and carriage return. */
export const noControl = (s: string) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s);

/** Names of VMs virtdeck creates: letters, digits, '_', '.', '-' (existing VMs may have any name). */
export const VmNameSchema = z
  .string({ error: "Name must be text" })
  .trim()
  .min(1, "Name is required")
  .max(64, "Name must be at most 64 characters")
  .regex(/^[A-Za-z0-9_.-]+$/, "Name may contain only letters, digits, '_', '.' and '-'")
  .refine((s) => !s.startsWith("-") && !s.startsWith("."), "Name must not start with '-' or '.'");

/** A libvirt pool, volume, network or bridge name as passed to virsh (never an option). */
export const ObjectNameSchema = z
  .string()
  .trim()
  .min(1, "Required")
  .max(255, "Too long")
  .refine((s) => !s.startsWith("-"), "Must not start with '-'")
  .refine((s) => !/[\u0000-\u001f\u007f/]/.test(s), "Must not contain control characters or '/'");

export const MacSchema = z
  .string()
  .trim()
  .regex(/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/, "MAC must look like 52:54:00:12:34:56")
  .transform((s) => s.toLowerCase())
  .refine((s) => (parseInt(s.slice(0, 2), 16) & 1) === 0, "MAC must be unicast (first byte even)");

export const DISK_FORMATS = ["qcow2", "raw"] as const;
export const DISK_BUSES = ["virtio", "sata", "scsi", "ide"] as const;
export const DISK_CACHES = ["default", "none", "writeback", "writethrough", "directsync", "unsafe"] as const;
export const NIC_MODELS = ["virtio", "e1000"] as const;
export const CPU_MODES = ["host-passthrough", "host-model", "custom"] as const;
export const FIRMWARES = ["bios", "uefi"] as const;
export const GRAPHICS = ["vnc", "spice", "none"] as const;
export const DOMAIN_TYPES = ["auto", "kvm", "qemu"] as const;

export const DiskSpecSchema = z
  .object({
    sizeMiB: z.coerce
      .number()
      .int("Whole MiB")
      .min(1, "At least 1 MiB")
      .max(64 * 1024 * 1024, "At most 64 TiB"),
    format: z.enum(DISK_FORMATS).default("qcow2"),
    bus: z.enum(DISK_BUSES).default("virtio"),
    cache: z.enum(DISK_CACHES).default("default"),
    pool: ObjectNameSchema,
  })
  .strict();
export type DiskSpec = z.infer<typeof DiskSpecSchema>;

export const NicSpecSchema = z
  .object({
    kind: z.enum(["network", "bridge"]).default("network"),
    source: ObjectNameSchema,
    model: z.enum(NIC_MODELS).default("virtio"),
    /** Empty: libvirt generates one. */
    mac: z.union([z.literal(""), MacSchema]).default(""),
  })
  .strict();
export type NicSpec = z.infer<typeof NicSpecSchema>;

export const SourceSpecSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }).strict(),
  z.object({ kind: z.literal("pxe") }).strict(),
  z.object({ kind: z.literal("iso"), pool: ObjectNameSchema, volume: ObjectNameSchema }).strict(),
  z.object({ kind: z.literal("image"), pool: ObjectNameSchema, volume: ObjectNameSchema }).strict(),
]);
export type SourceSpec = z.infer<typeof SourceSpecSchema>;

const CloudText = z
  .string()
  .max(64 * 1024, "At most 64 KiB")
  .refine(noControl, "Must not contain control characters");

export const TemplateCloudInitSchema = z
  .object({
    userData: CloudText.default(""),
    metaData: CloudText.default(""),
    networkConfig: CloudText.default(""),
  })
  .strict();

const OsVariantSchema = z
  .string()
  .trim()
  .max(100)
  .regex(/^[A-Za-z0-9._+-]*$/, "OS variant is a libosinfo short id such as debian12");

/** A vCPU count and a memory size in MiB, as the wizard's overrides and the hardware edit take them. */
export const VcpuCountSchema = z.coerce.number().int().min(1).max(512);
export const MemoryMiBSchema = z.coerce
  .number()
  .int()
  .min(16)
  .max(16 * 1024 * 1024);

/** The hardware part shared by templates and the create wizard. */
export const HardwareSpecSchema = z.object({
  osVariant: OsVariantSchema.default(""),
  vcpus: z.coerce.number().int().min(1, "At least 1 vCPU").max(512, "At most 512 vCPUs"),
  memoryMiB: z.coerce
    .number()
    .int()
    .min(16, "At least 16 MiB")
    .max(16 * 1024 * 1024),
  maxMemoryMiB: MemoryMiBSchema,
  cpuMode: z.enum(CPU_MODES).default("host-model"),
  cpuModel: z
    .string()
    .trim()
    .max(64)
    .regex(/^[A-Za-z0-9._-]*$/, "CPU model is a libvirt model name such as qemu64")
    .default(""),
  firmware: z.enum(FIRMWARES).default("bios"),
  machineType: z
    .string()
    .trim()
    .max(64)
    .regex(/^[A-Za-z0-9._-]*$/, "Machine type such as q35 or pc")
    .default(""),
  domainType: z.enum(DOMAIN_TYPES).default("auto"),
  disks: z.array(DiskSpecSchema).max(16).default([]),
  nics: z.array(NicSpecSchema).max(16).default([]),
  graphics: z.enum(GRAPHICS).default("vnc"),
  serialConsole: z.boolean().default(true),
});

function hardwareChecks(
  v: { memoryMiB: number; maxMemoryMiB: number; cpuMode: string; cpuModel: string },
  ctx: z.RefinementCtx,
) {
  if (v.maxMemoryMiB < v.memoryMiB)
    ctx.addIssue({ code: "custom", path: ["maxMemoryMiB"], message: "Max memory must be at least the current memory" });
  if (v.cpuMode === "custom" && !v.cpuModel)
    ctx.addIssue({ code: "custom", path: ["cpuModel"], message: "A custom CPU mode needs a CPU model" });
}

export const TemplateInputSchema = HardwareSpecSchema.extend({
  // Tabs and newlines pass here (noControl), unlike in host and token names.
  name: typedNameSchema(noControl),
  description: z.string().max(2000).refine(noControl, "Description must not contain control characters").default(""),
  source: SourceSpecSchema.default({ kind: "none" }),
  cloudInit: TemplateCloudInitSchema.nullable().default(null),
  /** null: any host. */
  defaultHostId: z.uuid().nullable().default(null),
})
  .strict()
  .superRefine((v, ctx) => {
    hardwareChecks(v, ctx);
    if (v.source.kind === "image" && v.disks.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["disks"],
        message: "An image-based template needs a first disk (the clone of the base image)",
      });
    }
  });
export type TemplateInput = z.infer<typeof TemplateInputSchema>;
export type TemplateSpec = Omit<TemplateInput, "name" | "description" | "defaultHostId">;

export interface TemplateView extends TemplateInput {
  id: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
}

/** cloud-init values asked at deploy time; rendered into a NoCloud seed ISO (label cidata). */
export const CloudInitDeploySchema = z
  .object({
    hostname: z
      .string()
      .trim()
      .max(63)
      .regex(/^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)?$/, "Host name: letters, digits and '-'")
      .default(""),
    username: z
      .string()
      .trim()
      .max(32)
      .regex(/^([a-z_][a-z0-9_-]*)?$/, "User name: lower-case letters, digits, '_' and '-'")
      .default(""),
    password: z.string().max(256).refine(noControl, "Password must not contain control characters").default(""),
    sshKeys: z
      .array(
        z
          .string()
          .trim()
          .max(16 * 1024)
          .regex(/^(ssh-|ecdsa-|sk-)[A-Za-z0-9@.-]+ [A-Za-z0-9+/=]+( [^\n\r]*)?$/, "Not an OpenSSH public key line"),
      )
      .max(32)
      .default([]),
  })
  .strict();
export type CloudInitDeploy = z.infer<typeof CloudInitDeploySchema>;

export const CLONE_MODES = ["linked", "full"] as const;
export type CloneMode = (typeof CLONE_MODES)[number];

const OverridesSchema = z
  .object({
    vcpus: VcpuCountSchema.optional(),
    memoryMiB: MemoryMiBSchema.optional(),
    /** Size of the first disk; for image templates it must be at least the base image's virtual size. */
    diskSizeMiB: z.coerce
      .number()
      .int()
      .min(1)
      .max(64 * 1024 * 1024)
      .optional(),
  })
  .strict()
  .default({});

export const StaticLeaseSchema = z
  .object({
    network: z
      .string()
      .min(1, "Choose a network")
      .max(64)
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "network names use letters, digits and _ . + - (no spaces or quotes)"),
    ip: z.string().trim().min(1, "Enter an IPv4 address").max(64),
  })
  .strict();
export type StaticLease = z.infer<typeof StaticLeaseSchema>;

/** What every way of creating a VM names: where, its name and its title. */
const VM_CREATE_COMMON = {
  hostId: z.uuid({ error: "Choose a host" }),
  name: VmNameSchema,
  title: z.string().max(200).refine(noControl).default(""),
};

export const VmCreateSchema = z.discriminatedUnion("mode", [
  z
    .object({
      mode: z.literal("template"),
      ...VM_CREATE_COMMON,
      templateId: z.uuid({ error: "Choose a template" }),
      clone: z.enum(CLONE_MODES).default("linked"),
      overrides: OverridesSchema,
      cloudInit: CloudInitDeploySchema.nullable().default(null),
      /**
       * A static DHCP address for the VM on one of its template's networks: a host entry (its NIC's MAC ->
       * `ip`) added to the network, live and in its definition, before the VM is defined.
       */
      staticLease: StaticLeaseSchema.nullable().default(null),
      start: z.boolean().default(true),
      /** The user saw the pre-flight warnings and wants to go on. */
      acceptWarnings: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      mode: z.literal("iso"),
      ...VM_CREATE_COMMON,
      iso: z.object({ pool: ObjectNameSchema, volume: ObjectNameSchema }).strict(),
      hardware: HardwareSpecSchema.strict().superRefine(hardwareChecks),
      start: z.boolean().default(true),
      acceptWarnings: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      mode: z.literal("import"),
      ...VM_CREATE_COMMON,
      /** format: what the caller declares the image to be; its bytes must agree (raw unless said). */
      disk: z
        .object({
          pool: ObjectNameSchema,
          volume: ObjectNameSchema,
          format: z.enum(DISK_FORMATS).default("raw"),
          bus: z.enum(DISK_BUSES).default("virtio"),
        })
        .strict(),
      hardware: HardwareSpecSchema.strict().superRefine(hardwareChecks),
      start: z.boolean().default(true),
      acceptWarnings: z.boolean().default(false),
    })
    .strict(),
]);
export type VmCreateInput = z.infer<typeof VmCreateSchema>;

export interface PreflightWarning {
  code: "memory" | "disk" | "network";
  /** English, for API clients and the log. */
  message: string;
  /** The same sentence as a key of the "provisioning" catalogue, for the browser. */
  messageKey: MessageRef;
  neededBytes: number;
  availableBytes: number;
}

export interface VmCreateResult {
  /** Set when the VM exists already (linked clone, ISO, import). */
  vm?: { hostId: string; uuid: string; name: string };
  /** Set when the work runs as a task (full clone). */
  taskId?: string;
  warnings: PreflightWarning[];
}

export const VmCloneSchema = z
  .object({
    name: VmNameSchema,
    title: z.string().max(200).refine(noControl).default(""),
    mode: z.enum(CLONE_MODES).default("full"),
    start: z.boolean().default(false),
  })
  .strict();
export type VmCloneInput = z.infer<typeof VmCloneSchema>;

export const VmToTemplateSchema = z
  .object({
    templateName: z.string().trim().min(1).max(64).refine(noControl),
    description: z.string().max(2000).refine(noControl).default(""),
  })
  .strict();

/** A message the browser translates: here a key of the "provisioning" catalogue and its ICU arguments. */
export type { MessageRef };

export interface OsVariant {
  id: string;
  name: string;
}

export interface ProvisioningHostOptions {
  hostId: string;
  osVariants: OsVariant[];
  /** True when the list came from the host's libosinfo (osinfo-query). */
  osVariantsFromHost: boolean;
  pools: { name: string; active: boolean; capacityBytes: number; availableBytes: number }[];
  volumes: { pool: string; name: string; capacityBytes: number; format: string; iso: boolean }[];
  networks: { name: string; active: boolean }[];
  /** The caller may put NICs on host bridges here (network.manage on the host); else only libvirt networks. */
  mayBridge: boolean;
  machineTypes: string[];
  uefi: boolean;
  cpuModels: string[];
  freeMemoryBytes: number | null;
}

/**
 * A copy of an image template's base volume to another host (POST /api/templates/[id]/copies). `pool` is
 * the destination pool; `volume` the destination name (default: the source volume's name);
 * `sourceHostId` the host to copy from (default: the template's default host).
 */
export const TemplateImageCopyRequestSchema = z
  .object({
    hostId: z.uuid("hostId must be a host id"),
    pool: z
      .string({ error: "pool is required" })
      .min(1, "pool is required")
      .max(200, "Too long")
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "Pool names use letters, digits and _ . + - (no spaces or quotes)"),
    volume: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "Volume names use letters, digits and _ . + - (no spaces or slashes)")
      .optional(),
    sourceHostId: z.uuid("sourceHostId must be a host id").optional(),
  })
  .strict();
export type TemplateImageCopyRequest = z.infer<typeof TemplateImageCopyRequestSchema>;

/** Where a copy of a template's base image exists (made by a template.image-copy task, checksum verified). */
export interface TemplateImageCopyView {
  id: string;
  templateId: string;
  hostId: string;
  hostName: string;
  pool: string;
  volume: string;
  sha256: string;
  bytes: number;
  createdAt: string;
}
