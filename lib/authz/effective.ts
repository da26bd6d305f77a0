import { PRIVILEGES, type Privilege } from "@/lib/authz/privileges";

/**
 * Pure evaluation of grants: which privileges a set of grants gives at a
 * target. No database, no I/O: lib/authz/authorize.ts loads the facts, this
 * file decides. Unit-tested in effective.test.ts.
 */

export type GrantScopeKind = "global" | "host" | "vm" | "tag";

/** Where a grant reaches the principal from. */
export type GrantVia =
  /** Granted to the user directly. */
  | { kind: "user" }
  /** Granted to a group the user belongs to. */
  | { kind: "group"; groupId: string; groupName: string }
  /** The user's global role (User.role admin/operator). */
  | { kind: "account_role" };

/** One grant as it applies to one principal. */
export interface GrantFact {
  /** Grant row id; null for the account role. */
  grantId: string | null;
  scope: GrantScopeKind;
  hostId: string | null;
  vmUuid: string | null;
  tag: string | null;
  roleId: string;
  roleName: string;
  privileges: readonly string[];
  via: GrantVia;
}

/** What a privilege is checked against: nothing (global), a host, or one VM (host + UUID). */
export interface AuthzTarget {
  hostId?: string;
  vmUuid?: string;
}

/** An upper bound on a principal's privileges (API token, share link): effective = grants ∩ limit. */
export interface PrincipalLimit {
  /** Only these privileges, wherever the user holds them. */
  privileges?: readonly Privilege[];
  /** Only this VM (and only vm.* privileges on it). */
  vm?: { hostId: string; vmUuid: string };
}

const KNOWN = new Set<string>(PRIVILEGES);

export function isPrivilege(p: string): p is Privilege {
  return KNOWN.has(p);
}

const norm = (s: string | null | undefined) => (s ? s.toLowerCase() : "");

/** A normalized target: ids lower-cased, a VM always with its host. */
export function targetNormalize(t: AuthzTarget | undefined): { hostId: string; vmUuid: string } {
  const hostId = norm(t?.hostId);
  const vmUuid = hostId ? norm(t?.vmUuid) : "";
  return { hostId, vmUuid };
}

/**
 * True when `g` covers `target`. A global grant covers everything; a host
 * grant covers the host and its VMs; a VM grant its VM; a tag grant every VM
 * whose tags (`vmTags`, the target VM's tags) include it.
 */
export function grantCovers(g: GrantFact, target: AuthzTarget | undefined, vmTags: readonly string[] = []): boolean {
  const t = targetNormalize(target);
  switch (g.scope) {
    case "global":
      return true;
    case "host":
      return !!t.hostId && norm(g.hostId) === t.hostId;
    case "vm":
      return !!t.vmUuid && norm(g.hostId) === t.hostId && norm(g.vmUuid) === t.vmUuid;
    case "tag":
      return !!t.vmUuid && !!g.tag && vmTags.includes(g.tag);
  }
}

function limitAllows(
  limit: PrincipalLimit | undefined,
  privilege: Privilege,
  target: AuthzTarget | undefined,
): boolean {
  if (!limit) return true;
  if (limit.privileges && !limit.privileges.includes(privilege)) return false;
  if (limit.vm) {
    const t = targetNormalize(target);
    if (!privilege.startsWith("vm.") || privilege === "vm.create") return false;
    if (t.hostId !== norm(limit.vm.hostId) || t.vmUuid !== norm(limit.vm.vmUuid)) return false;
  }
  return true;
}

/** The privileges `grants` give at `target` (tags: the target VM's tags), within `limit`. */
export function privilegesAt(
  grants: readonly GrantFact[],
  target: AuthzTarget | undefined,
  opts: { vmTags?: readonly string[]; limit?: PrincipalLimit } = {},
): Set<Privilege> {
  const out = new Set<Privilege>();
  for (const g of grants) {
    if (!grantCovers(g, target, opts.vmTags)) continue;
    for (const p of g.privileges) if (isPrivilege(p) && limitAllows(opts.limit, p, target)) out.add(p);
  }
  return out;
}

/** The grants that give `privilege` at `target`: the "inherited from" column of a permissions table. */
export function grantsGiving(
  grants: readonly GrantFact[],
  privilege: Privilege,
  target: AuthzTarget | undefined,
  vmTags: readonly string[] = [],
): GrantFact[] {
  return grants.filter((g) => g.privileges.includes(privilege) && grantCovers(g, target, vmTags));
}

/**
 * True when `privilege` means something at a scope: anything globally; on a
 * host, all but the instance-wide user.manage / audit.view; on a VM or tag,
 * the vm.* privileges on existing VMs.
 */
export function privilegeAppliesAt(scope: GrantScopeKind, privilege: Privilege): boolean {
  if (scope === "global") return true;
  if (scope === "host") return privilege !== "user.manage" && privilege !== "audit.view";
  return privilege.startsWith("vm.") && privilege !== "vm.create";
}

/**
 * Privileges held at some scope (global, a host, a VM, a tag) where they
 * apply, within `limit`: "may this user open the hosts list", navigation.
 */
export function privilegesAnywhere(grants: readonly GrantFact[], limit?: PrincipalLimit): Set<Privilege> {
  const out = new Set<Privilege>();
  for (const g of grants) {
    for (const p of g.privileges) {
      if (!isPrivilege(p) || !privilegeAppliesAt(g.scope, p)) continue;
      if (limit?.privileges && !limit.privileges.includes(p)) continue;
      if (limit?.vm && (!p.startsWith("vm.") || p === "vm.create")) continue;
      out.add(p);
    }
  }
  return out;
}

/** True when some grant needs the target VM's tags to be evaluated (saves a query otherwise). */
export function needsVmTags(grants: readonly GrantFact[]): boolean {
  return grants.some((g) => g.scope === "tag");
}

/**
 * The visible set for lists: everything, whole hosts, and single VMs
 * (`hostId/uuid`), as computed from the grants that carry a privilege.
 */
export interface Visibility {
  all: boolean;
  hostIds: ReadonlySet<string>;
  vms: ReadonlySet<string>;
}

export const vmKey = (hostId: string, vmUuid: string) => `${hostId.toLowerCase()}/${vmUuid.toLowerCase()}`;

export function visibilityHas(v: Visibility, hostId: string, vmUuid: string): boolean {
  return v.all || v.hostIds.has(hostId.toLowerCase()) || v.vms.has(vmKey(hostId, vmUuid));
}

/** Hosts on which something is visible ("all" for every host). */
export function visibilityHosts(v: Visibility): "all" | Set<string> {
  if (v.all) return "all";
  const ids = new Set(v.hostIds);
  for (const k of v.vms) ids.add(k.slice(0, k.indexOf("/")));
  return ids;
}

/**
 * Builds a Visibility from grants that carry the privilege (already filtered)
 * and the (hostId, vmUuid) pairs their tags resolve to.
 */
export function visibilityFrom(
  grants: readonly Pick<GrantFact, "scope" | "hostId" | "vmUuid">[],
  taggedVms: readonly { hostId: string; vmUuid: string }[],
  limit?: PrincipalLimit,
): Visibility {
  let all = false;
  const hostIds = new Set<string>();
  const vms = new Set<string>();
  for (const g of grants) {
    if (g.scope === "global") all = true;
    else if (g.scope === "host" && g.hostId) hostIds.add(g.hostId.toLowerCase());
    else if (g.scope === "vm" && g.hostId && g.vmUuid) vms.add(vmKey(g.hostId, g.vmUuid));
  }
  for (const t of taggedVms) vms.add(vmKey(t.hostId, t.vmUuid));
  if (limit?.vm) {
    const only = { all: false, hostIds: new Set<string>(), vms: new Set<string>() };
    if (visibilityHas({ all, hostIds, vms }, limit.vm.hostId, limit.vm.vmUuid))
      only.vms.add(vmKey(limit.vm.hostId, limit.vm.vmUuid));
    return only;
  }
  return { all, hostIds, vms };
}

export const VISIBILITY_NONE: Visibility = { all: false, hostIds: new Set(), vms: new Set() };
/** Everything: for internal callers (benchmarks, tests) that act for no particular user. */
export const VISIBILITY_ALL: Visibility = { all: true, hostIds: new Set(), vms: new Set() };
