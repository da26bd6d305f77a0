import { z } from "zod";

/**
 * A host's readiness for a first VM (the host page's setup checklist): what it lacks, and the one-click
 * fixes virtdeck offers. Schemas shared by the routes, the service and the browser.
 */

export const READINESS_CHECKS = ["pool", "network", "kvm", "guestAgent"] as const;
export type ReadinessCheckId = (typeof READINESS_CHECKS)[number];

/** A fix the host accepts now: create (or start) the `default` dir pool, start the `default` network. */
export const READINESS_FIXES = ["pool", "network"] as const;
export type ReadinessFixId = (typeof READINESS_FIXES)[number];

/** Where the default pool goes unless asked otherwise (libvirt's own default image directory). */
export const DEFAULT_POOL_NAME = "default";
export const DEFAULT_POOL_PATH = "/var/lib/libvirt/images";
export const DEFAULT_NETWORK_NAME = "default";
/** A pool with less free space than this cannot hold a first VM's disk. */
export const POOL_MIN_FREE_BYTES = 1024 ** 3;

export const ReadinessCheckSchema = z.object({
  id: z.enum(READINESS_CHECKS),
  ok: z.boolean(),
  /** `required`: a first VM cannot be created without it; otherwise it only makes VMs slower or less visible. */
  required: z.boolean(),
  /** A key of the "onboarding" catalogue (under `detail.`) and its arguments, saying what was found. */
  detail: z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() }),
  /** The fix virtdeck can make, when there is one. */
  fix: z.enum(READINESS_FIXES).nullable(),
  /** The caller holds the fix's privilege at this host (storage.manage for the pool, network.manage for the network). */
  canFix: z.boolean(),
});
export type ReadinessCheck = z.infer<typeof ReadinessCheckSchema>;

export const HostReadinessSchema = z.object({
  hostId: z.string(),
  /** Every required check passes: a first VM can be created. */
  ready: z.boolean(),
  checks: z.array(ReadinessCheckSchema),
});
export type HostReadiness = z.infer<typeof HostReadinessSchema>;
export const HostReadinessResponseSchema = z.object({ readiness: HostReadinessSchema });

export const PoolNameSchema = z
  .string({ error: "a pool name is required" })
  .min(1, "a pool name is required")
  .max(64, "at most 64 characters")
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "pool names use letters, digits and _ . + - (no spaces or quotes)");

/** An absolute directory path: plain characters only, no `.`/`..` segments, no trailing slash. */
export const PoolPathSchema = z
  .string({ error: "a directory path is required" })
  .min(2, "an absolute directory path, e.g. /var/lib/libvirt/images")
  .max(255, "at most 255 characters")
  .regex(
    /^(\/[A-Za-z0-9_][A-Za-z0-9_.+-]*)+$/,
    "an absolute path of letters, digits and _ . + - (no spaces, quotes or trailing /)",
  )
  .refine((p) => !p.split("/").some((s) => s === "." || s === ".."), "no . or .. in the path");

/** POST /api/hosts/:id/readiness/pool: the pool to create or start (libvirt's defaults unless given). */
export const PoolFixSchema = z
  .object({
    name: PoolNameSchema.default(DEFAULT_POOL_NAME),
    path: PoolPathSchema.default(DEFAULT_POOL_PATH),
  })
  .strict();
export type PoolFix = z.infer<typeof PoolFixSchema>;

/** POST /api/hosts/:id/readiness/network: starts and autostarts the `default` network (nothing to choose). */
export const NetworkFixSchema = z.object({}).strict();
