import type { VmMigrateInput } from "@/lib/contracts/migration";

export type MigrateOptions = Pick<
  VmMigrateInput,
  "persistent" | "undefineSource" | "autoConverge" | "postcopyAfterPrecopy"
>;

export const MIGRATE_DEFAULTS: MigrateOptions = {
  persistent: true,
  undefineSource: true,
  autoConverge: false,
  postcopyAfterPrecopy: false,
};

/**
 * The body of POST …/migrate from the form. The bandwidth goes as typed (a number input answers "" for what
 * it cannot read, a fraction stays one), left out when empty: the server checks it and names the field.
 * A shut-off VM migrates offline, where libvirt takes none of the live options: they are sent as off.
 */
export function migrateBody(
  destHostId: string,
  options: MigrateOptions,
  bandwidth: string,
  mode: "live" | "offline",
): VmMigrateInput {
  if (mode === "offline") return { destHostId, ...MIGRATE_DEFAULTS, undefineSource: options.undefineSource };
  const text = bandwidth.trim();
  return { destHostId, ...options, ...(text ? { bandwidthMiB: Number(text) } : {}) };
}
