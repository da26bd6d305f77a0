import type { Role } from "@/lib/generated/prisma/enums";

/**
 * Privileges, named as the access-control model will grant them per scope. For
 * now every grant is global and follows from the user's role.
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
  "user.manage",
  "audit.view",
] as const;

export type Privilege = (typeof PRIVILEGES)[number];

export const ROLES = ["admin", "operator", "helpdesk"] as const satisfies readonly Role[];

const OPERATOR: Privilege[] = PRIVILEGES.filter((p) => p !== "user.manage" && p !== "audit.view");

export const ROLE_PRIVILEGES: Record<Role, ReadonlySet<Privilege>> = {
  admin: new Set(PRIVILEGES),
  operator: new Set(OPERATOR),
  helpdesk: new Set<Privilege>(["vm.view", "vm.console"]),
};

export function roleCan(role: Role, privilege: Privilege): boolean {
  return ROLE_PRIVILEGES[role].has(privilege);
}
