/**
 * The access-control API's wire types (app/api/{groups,roles,grants,tags},
 * /api/vms/:hostId/:uuid/{access,tags}, /api/users/:id/access): built by
 * lib/authz/{groups,roles,grants,tags,vm-access}.ts, read by components/access. Types and constants only.
 */
import { PRIVILEGES, type Privilege } from "@/lib/authz/privileges";

// One list of privileges: the server's (lib/authz/privileges.ts holds no server code).
export { PRIVILEGES as PRIVILEGE_LIST } from "@/lib/authz/privileges";
export type PrivilegeName = Privilege;

/** Privileges of features not built yet: the role editor does not offer them (none today). */
export const PRIVILEGES_PLANNED: readonly Privilege[] = [];

/** What the role editor offers: every privilege of a feature that exists, plus any the role already holds. */
export function privilegesOffered(held: readonly string[] = []): Privilege[] {
  return PRIVILEGES.filter((p) => !PRIVILEGES_PLANNED.includes(p) || held.includes(p));
}

export type GrantScopeKind = "global" | "host" | "vm" | "tag";

export interface GroupView {
  id: string;
  name: string;
  description: string;
  memberCount: number;
  createdAt: string;
}

export interface GroupMemberView {
  id: string;
  username: string;
  displayName: string;
  disabled: boolean;
}

export interface GrantView {
  id: string;
  subject: { kind: "user" | "group"; id: string; name: string };
  role: { id: string; name: string; builtin: boolean; privileges: PrivilegeName[] };
  scope: GrantScopeKind;
  hostId: string | null;
  hostName: string | null;
  vmUuid: string | null;
  tag: string | null;
  createdAt: string;
}

export interface GroupDetail extends GroupView {
  members: GroupMemberView[];
  grants: GrantView[];
}

export interface RoleView {
  id: string;
  name: string;
  description: string;
  builtin: boolean;
  privileges: PrivilegeName[];
  grantCount: number;
}

export interface AccessSource {
  grantId: string | null;
  role: string;
  scope: GrantScopeKind;
  /** The host's name, or the tag, for host and tag scopes. */
  scopeName: string | null;
  via: { kind: "user" } | { kind: "group"; id: string; name: string } | { kind: "account_role" };
  privileges: PrivilegeName[];
}

export interface VmAccessEntry {
  user: { id: string; username: string; displayName: string };
  privileges: PrivilegeName[];
  sources: AccessSource[];
}

export interface VmAccess {
  tags: string[];
  entries: VmAccessEntry[];
  /** Grants that cover this VM (removable there); account roles are not grants. */
  grants: GrantView[];
}

export interface UserAccess {
  groups: { id: string; name: string }[];
  grants: GrantView[];
  groupGrants: GrantView[];
}
