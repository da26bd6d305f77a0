import { AuditIcon, DatabaseIcon, LayersIcon, MonitorIcon, NetworkIcon, ServerIcon, ShieldIcon, UsersIcon } from "@/components/ui/icons";
import type { ShellUser } from "@/components/shell/types";

export interface NavItem {
  /** Used for the label (`shell.nav.<key>`) and the data-testid (`nav-<key>`). */
  key: "hosts" | "vms" | "templates" | "storage" | "networks" | "users" | "audit" | "security";
  href: string;
  icon: typeof ServerIcon;
  section: "main" | "administration";
  /** Hidden from other roles. The pages check access on the server as well. */
  adminOnly?: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: "hosts", href: "/hosts", icon: ServerIcon, section: "main" },
  { key: "vms", href: "/vms", icon: MonitorIcon, section: "main" },
  { key: "templates", href: "/templates", icon: LayersIcon, section: "main" },
  { key: "storage", href: "/storage", icon: DatabaseIcon, section: "main" },
  { key: "networks", href: "/networks", icon: NetworkIcon, section: "main" },
  { key: "users", href: "/users", icon: UsersIcon, section: "administration", adminOnly: true },
  { key: "audit", href: "/audit", icon: AuditIcon, section: "administration", adminOnly: true },
  { key: "security", href: "/security", icon: ShieldIcon, section: "administration", adminOnly: true },
];

export function navItemsFor(role: ShellUser["role"]): NavItem[] {
  return NAV_ITEMS.filter((item) => !item.adminOnly || role === "admin");
}

/** True when `pathname` is the item's page or below it (/vms/1234 highlights VMs). */
export function navItemActive(item: Pick<NavItem, "href">, pathname: string): boolean {
  return pathname === item.href || pathname.startsWith(`${item.href}/`);
}
