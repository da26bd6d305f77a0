import {
  ArchiveIcon,
  AuditIcon,
  HomeIcon,
  DatabaseIcon,
  LayersIcon,
  MonitorIcon,
  NetworkIcon,
  ServerIcon,
  ShieldIcon,
  UsersIcon,
} from "@/components/ui/icons";
import type { ShellUser } from "@/components/shell/types";
import type { Privilege } from "@/lib/authz/privileges";

export interface NavItem {
  /** Used for the label (`shell.nav.<key>`) and the data-testid (`nav-<key>`). */
  key:
    | "dashboard"
    | "hosts"
    | "vms"
    | "templates"
    | "storage"
    | "networks"
    | "backups"
    | "users"
    | "groups"
    | "roles"
    | "audit"
    | "security";
  href: string;
  icon: typeof ServerIcon;
  section: "main" | "administration";
  /**
   * Shown only to users holding this privilege: globally, or at any scope when
   * `anywhere`. The pages check access on the server as well (lib/authz).
   */
  privilege?: Privilege;
  anywhere?: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { key: "dashboard", href: "/", icon: HomeIcon, section: "main" },
  { key: "hosts", href: "/hosts", icon: ServerIcon, section: "main", privilege: "host.view", anywhere: true },
  { key: "vms", href: "/vms", icon: MonitorIcon, section: "main" },
  // The same privileges the pages ask for (requirePageUser), so no link lands on a 403.
  {
    key: "templates",
    href: "/templates",
    icon: LayersIcon,
    section: "main",
    privilege: "template.use",
    anywhere: true,
  },
  { key: "storage", href: "/storage", icon: DatabaseIcon, section: "main", privilege: "host.view", anywhere: true },
  { key: "networks", href: "/networks", icon: NetworkIcon, section: "main", privilege: "host.view", anywhere: true },
  { key: "backups", href: "/backups", icon: ArchiveIcon, section: "main", privilege: "backup.manage", anywhere: true },
  { key: "users", href: "/users", icon: UsersIcon, section: "administration", privilege: "user.manage" },
  { key: "groups", href: "/groups", icon: UsersIcon, section: "administration", privilege: "user.manage" },
  { key: "roles", href: "/roles", icon: ShieldIcon, section: "administration", privilege: "user.manage" },
  { key: "audit", href: "/audit", icon: AuditIcon, section: "administration", privilege: "audit.view" },
  { key: "security", href: "/security", icon: ShieldIcon, section: "administration", privilege: "user.manage" },
];

export function navItemsFor(user: Pick<ShellUser, "globalPrivileges" | "anyPrivileges">): NavItem[] {
  return NAV_ITEMS.filter(
    (item) => !item.privilege || (item.anywhere ? user.anyPrivileges : user.globalPrivileges).includes(item.privilege),
  );
}

/** True when `pathname` is the item's page or below it (/vms/1234 highlights VMs). */
export function navItemActive(item: Pick<NavItem, "href">, pathname: string): boolean {
  return pathname === item.href || pathname.startsWith(`${item.href}/`);
}
