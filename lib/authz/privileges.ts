import type { Role } from "@/lib/generated/prisma/enums";

/**
 * Privileges, granted through roles (named bundles, table AccessRole) to users
 * and groups at a scope. lib/authz decides who holds which, where.
 */
export const PRIVILEGES = [
  "vm.view",
  "vm.console",
  "vm.console.takeover",
  "vm.power",
  "vm.edit",
  "vm.snapshot",
  "vm.clone",
  "vm.migrate",
  "vm.delete",
  "vm.create",
  "host.view",
  "host.manage",
  "template.use",
  "template.manage",
  "storage.manage",
  "network.manage",
  "backup.manage",
  "backup.restore",
  "user.manage",
  "audit.view",
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

/** Account roles (User.role). admin and operator act as a global grant of the built-in role of the same name (lib/authz). */
export const ROLES = ["admin", "operator", "helpdesk"] as const satisfies readonly Role[];
