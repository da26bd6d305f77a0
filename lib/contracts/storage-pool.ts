import { z } from "zod";

/**
 * Storage pools: the create request (validated here, on the server and in the browser) and the wire
 * types of the pools API. Pure zod, nothing server-only. Names, paths, devices, hosts and IQNs are
 * checked before libvirt sees them; each error names its field (zod path). What only the host can
 * tell (a path that is a file, a device mounted or holding an LVM PV, a device another pool uses)
 * is checked by lib/storage/pools.ts, with the same field names.
 * https://libvirt.org/formatstorage.html
 */

export const POOL_TYPES = ["dir", "fs", "netfs", "logical", "iscsi", "disk"] as const;
export type PoolType = (typeof POOL_TYPES)[number];
/** Types whose create runs `pool-build` (mkdir, mkfs, vgcreate, partition table) when `build` is on. */
export const POOL_BUILDABLE: readonly PoolType[] = ["dir", "fs", "netfs", "logical", "disk"];
/** Types that take whole block devices, which `pool-build` overwrites. */
export const POOL_DEVICE_TYPES: readonly PoolType[] = ["fs", "logical", "disk"];

export const FS_FORMATS = ["auto", "ext2", "ext3", "ext4", "xfs", "btrfs", "vfat"] as const;
export const DISK_FORMATS = ["gpt", "dos"] as const;

/** Pool names: what virsh accepts as a positional and a person would type (no quotes, spaces, ;, leading -). */
export const PoolNameSchema = z
  .string({ error: "a pool name is required" })
  .min(1, "a pool name is required")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "pool names use letters, digits and _ . + - (no spaces or quotes)");

/** An absolute path a person would type: no spaces, quotes, shell characters, `..` or `//`. */
export const PoolPathSchema = z
  .string({ error: "a path is required" })
  .min(2, "a path is required")
  .max(255, "at most 255 characters")
  .regex(/^\/[A-Za-z0-9_.+@:/-]*$/, "an absolute path of letters, digits and _ . + @ : - / (no spaces or quotes)")
  .refine((p) => !p.split("/").some((c) => c === ".." || c === "."), "no . or .. components")
  .refine((p) => !p.includes("//"), "no empty components (//)")
  .transform((p) => (p.length > 1 && p.endsWith("/") ? p.slice(0, -1) : p));

/** A block device path under /dev. */
export const DevicePathSchema = z
  .string({ error: "a device is required" })
  .min(6, "a device such as /dev/sdb is required")
  .max(255, "at most 255 characters")
  .regex(/^\/dev\/[A-Za-z0-9_.+:/-]+$/, "a device path under /dev, such as /dev/sdb")
  .refine((p) => !p.split("/").some((c) => c === ".." || c === "."), "no . or .. components")
  .refine((p) => !p.includes("//"), "no empty components (//)");

/** A host name or IPv4/IPv6 address of an NFS server or iSCSI portal. */
export const SourceHostSchema = z
  .string({ error: "a server is required" })
  .min(1, "a server is required")
  .max(253, "at most 253 characters")
  .refine(
    (s) =>
      /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(s) ||
      /^[0-9A-Fa-f:.]+$/.test(s),
    "a host name or an IP address",
  );

/** iSCSI qualified names (RFC 3720 iqn. form, or eui.). */
export const IqnSchema = z
  .string({ error: "an IQN is required" })
  .max(223, "at most 223 characters")
  .regex(
    /^(iqn\.\d{4}-\d{2}\.[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[A-Za-z0-9.:_-]+)?|eui\.[0-9A-Fa-f]{16})$/,
    "an IQN such as iqn.2026-01.org.example:target1",
  );

/** LVM volume group names (lvm(8): letters, digits and + _ . -, not starting with -). */
export const VgNameSchema = z
  .string()
  .min(1, "a volume group name is required")
  .max(127, "at most 127 characters")
  .regex(/^[A-Za-z0-9+_.][A-Za-z0-9+_.-]*$/, "volume group names use letters, digits and + _ . - (no spaces)")
  .refine((s) => s !== "." && s !== "..", "not a volume group name");

/** Where a pool's directory must not be: the root and the kernel's own trees. */
const FORBIDDEN_TARGETS = ["/", "/dev", "/proc", "/sys", "/run", "/boot", "/etc", "/bin", "/sbin", "/usr", "/lib"];
const targetOk = (p: string) =>
  !FORBIDDEN_TARGETS.includes(p) && !["/dev/", "/proc/", "/sys/"].some((pre) => p.startsWith(pre));

const Common = {
  name: PoolNameSchema,
  /** Start the pool once defined (and built). */
  start: z.boolean().default(true),
  autostart: z.boolean().default(true),
};
/** Run `pool-build` (for device types this writes a file system, volume group or partition table). */
const Build = { build: z.boolean().default(true) };
const Target = PoolPathSchema.refine(targetOk, "not a directory for a pool (a system directory)");

export const PoolSpecSchema = z
  .discriminatedUnion("type", [
    z.object({ ...Common, ...Build, type: z.literal("dir"), targetPath: Target }).strict(),
    z
      .object({
        ...Common,
        ...Build,
        type: z.literal("fs"),
        sourceDevice: DevicePathSchema,
        format: z.enum(FS_FORMATS).default("ext4"),
        targetPath: Target,
      })
      .strict(),
    z
      .object({
        ...Common,
        ...Build,
        type: z.literal("netfs"),
        sourceHost: SourceHostSchema,
        sourcePath: PoolPathSchema,
        targetPath: Target,
      })
      .strict(),
    z
      .object({
        ...Common,
        ...Build,
        type: z.literal("logical"),
        sourceDevices: z.array(DevicePathSchema).max(16, "at most 16 devices").default([]),
        /** The volume group; the pool's name when left out. */
        vgName: VgNameSchema.optional(),
      })
      .strict(),
    z
      .object({
        ...Common,
        type: z.literal("iscsi"),
        sourceHost: SourceHostSchema,
        port: z.number().int().min(1).max(65535).default(3260),
        target: IqnSchema,
        initiator: IqnSchema.optional(),
      })
      .strict(),
    z
      .object({
        ...Common,
        ...Build,
        type: z.literal("disk"),
        sourceDevice: DevicePathSchema,
        format: z.enum(DISK_FORMATS).default("gpt"),
      })
      .strict(),
  ])
  .superRefine((s, ctx) => {
    if (s.type === "logical") {
      const seen = new Set<string>();
      s.sourceDevices.forEach((d, i) => {
        if (seen.has(d)) ctx.addIssue({ code: "custom", path: ["sourceDevices", i], message: `${d} is listed twice` });
        seen.add(d);
      });
      if (s.build && !s.sourceDevices.length)
        ctx.addIssue({
          code: "custom",
          path: ["sourceDevices"],
          message: "a new volume group needs at least one device",
        });
    }
    if (s.type === "fs" && s.build && s.format === "auto")
      ctx.addIssue({ code: "custom", path: ["format"], message: "choose a file system to create (not auto)" });
    if (s.type === "netfs" && s.sourcePath === "/")
      ctx.addIssue({ code: "custom", path: ["sourcePath"], message: "name the exported directory" });
  });
export type PoolSpecInput = z.input<typeof PoolSpecSchema>;
export type PoolSpec = z.output<typeof PoolSpecSchema>;

/** The volume group of a logical pool spec (its own name unless given). */
export const poolVgName = (s: Extract<PoolSpec, { type: "logical" }>) => s.vgName ?? s.name;

/** The block devices a spec writes to or reads from (fs, logical, disk). */
export function poolSpecDevices(s: PoolSpec): { path: string; field: string }[] {
  if (s.type === "fs" || s.type === "disk") return [{ path: s.sourceDevice, field: "sourceDevice" }];
  if (s.type === "logical") return s.sourceDevices.map((d, i) => ({ path: d, field: `sourceDevices.${i}` }));
  return [];
}

export const PoolActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("start") }).strict(),
  z.object({ action: z.literal("stop") }).strict(),
  z.object({ action: z.literal("refresh") }).strict(),
  z.object({ action: z.literal("autostart"), autostart: z.boolean() }).strict(),
]);
export type PoolAction = z.infer<typeof PoolActionSchema>;

/** "Delete data": the pool's name typed again, so a wrong click cannot wipe a volume group. */
export const PoolDeleteDataSchema = z.object({ confirm: z.string().max(64) }).strict();

/** One pool as the API shows it. */
export const PoolViewSchema = z.object({
  hostId: z.string(),
  name: z.string(),
  uuid: z.string().nullable(),
  type: z.string(),
  active: z.boolean(),
  autostart: z.boolean(),
  persistent: z.boolean(),
  capacityBytes: z.number(),
  allocationBytes: z.number(),
  availableBytes: z.number(),
  targetPath: z.string().nullable(),
  source: z.object({
    host: z.string().nullable(),
    port: z.number().nullable(),
    dir: z.string().nullable(),
    devices: z.array(z.string()),
    name: z.string().nullable(),
    format: z.string().nullable(),
    initiator: z.string().nullable(),
  }),
});
export type PoolView = z.infer<typeof PoolViewSchema>;
