/**
 * Quotas' wire types (/api/users/:id/quota, /api/groups/:id/quota): built by
 * lib/provisioning/quota.ts, read by components/quota. Types and constants only.
 */
export const QUOTA_FIELDS = ["maxVms", "maxVcpus", "maxMemoryMiB", "maxDiskGiB"] as const;
export type QuotaField = (typeof QUOTA_FIELDS)[number];

/** Limits; null sets no limit. */
export type QuotaLimits = Record<QuotaField, number | null>;

/** What counts against a quota. */
export interface QuotaAmounts {
  vms: number;
  vcpus: number;
  memoryMiB: number;
  diskGiB: number;
}

export interface QuotaView {
  /** The limits that apply (the user's own, else their groups' most generous, per field). */
  limits: QuotaLimits;
  usage: QuotaAmounts;
}

/** GET of a user's or group's quota: its own limits; for a user also what applies and the usage. */
export interface QuotaResponse {
  own: QuotaLimits;
  effective?: QuotaView;
}
