import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { ACCOUNT_ROLE_GRANTS } from "@/lib/authz/authorize";
import { grantCovers, isPrivilege, type GrantFact } from "@/lib/authz/effective";
import type { AccessSource, UserAccess, VmAccess, VmAccessEntry } from "@/lib/contracts/access";
import { parseId } from "@/lib/authz/records";
import { vmIds, vmTagsGet } from "@/lib/authz/tags";
import { GRANT_INCLUDE, grantsList, toGrantView } from "@/lib/authz/grants";

/** Effective access on one VM (the Permissions tab) and on one user; forgetting a deleted VM's grants and tags. */

/** The global, host, VM and tag grants that may cover one VM, with their groups' members. */
function vmGrantsFind(t: { hostId: string; vmUuid: string }, tags: string[]) {
  return db().grant.findMany({
    where: {
      OR: [
        { scope: "global" },
        { scope: "host", hostId: t.hostId },
        { scope: "vm", hostId: t.hostId, vmUuid: t.vmUuid },
        ...(tags.length ? [{ scope: "tag" as const, tag: { in: tags } }] : []),
      ],
    },
    include: {
      ...GRANT_INCLUDE,
      group: {
        select: {
          id: true,
          name: true,
          members: { select: { user: { select: { id: true, username: true, displayName: true, disabled: true } } } },
        },
      },
    },
    orderBy: { createdAt: "asc" },
  });
}

/**
 * Who may do what on one VM, and where each privilege comes from: every
 * global, host, VM and tag grant covering it, expanded to the users of the
 * groups it names, plus the account roles (User.role admin/operator).
 */
export async function vmAccess(hostId: string, rawUuid: string): Promise<VmAccess> {
  const t = vmIds(hostId, rawUuid);
  const tags = await vmTagsGet(t.hostId, t.vmUuid);
  const grants = await vmGrantsFind(t, tags);
  const accountRoles = await db().accessRole.findMany({ where: { id: { in: [...ACCOUNT_ROLE_GRANTS] } } });
  const accountUsers = await db().user.findMany({
    where: { role: { in: [...ACCOUNT_ROLE_GRANTS] }, disabled: false },
    select: { id: true, username: true, displayName: true, role: true },
  });
  const byUser = new Map<string, VmAccessEntry>();
  const add = (user: { id: string; username: string; displayName: string }, source: AccessSource) => {
    let e = byUser.get(user.id);
    if (!e)
      byUser.set(
        user.id,
        (e = {
          user: { id: user.id, username: user.username, displayName: user.displayName },
          privileges: [],
          sources: [],
        }),
      );
    e.sources.push(source);
    e.privileges = [...new Set([...e.privileges, ...source.privileges])].sort();
  };
  for (const u of accountUsers) {
    const role = accountRoles.find((r) => r.id === u.role);
    if (role)
      add(u, {
        grantId: null,
        role: role.name,
        scope: "global",
        scopeName: null,
        via: { kind: "account_role" },
        privileges: role.privileges.filter(isPrivilege),
      });
  }
  for (const g of grants) {
    const fact: GrantFact = {
      grantId: g.id,
      scope: g.scope,
      hostId: g.hostId,
      vmUuid: g.vmUuid,
      tag: g.tag,
      roleId: g.role.id,
      roleName: g.role.name,
      privileges: g.role.privileges,
      via: { kind: "user" },
    };
    if (!grantCovers(fact, t, tags)) continue;
    const base = {
      grantId: g.id,
      role: g.role.name,
      scope: g.scope,
      scopeName: g.scope === "host" ? (g.host?.name ?? null) : g.scope === "tag" ? g.tag : null,
      privileges: g.role.privileges.filter(isPrivilege),
    };
    if (g.user) {
      const u = await db().user.findUnique({
        where: { id: g.user.id },
        select: { id: true, username: true, displayName: true, disabled: true },
      });
      if (u && !u.disabled) add(u, { ...base, via: { kind: "user" } });
    } else if (g.group) {
      for (const m of g.group.members)
        if (!m.user.disabled) add(m.user, { ...base, via: { kind: "group", id: g.group.id, name: g.group.name } });
    }
  }
  return {
    tags,
    entries: [...byUser.values()].sort((a, b) => a.user.username.localeCompare(b.user.username)),
    grants: grants.map((g) => toGrantView({ ...g, group: g.group ? { id: g.group.id, name: g.group.name } : null })),
  };
}

/** Grants and memberships of one user (user detail). */
export async function userAccess(userId: string): Promise<UserAccess> {
  const id = parseId(userId, "User");
  const user = await db().user.findUnique({ where: { id }, select: { id: true } });
  if (!user) throw new AppError("not_found", "User not found");
  const memberships = await db().groupMember.findMany({
    where: { userId: id },
    include: { group: { select: { id: true, name: true } } },
  });
  const groups = memberships.map((m) => m.group).sort((a, b) => a.name.localeCompare(b.name));
  const groupGrants = groups.length
    ? (
        await db().grant.findMany({
          where: { groupId: { in: groups.map((g) => g.id) } },
          include: GRANT_INCLUDE,
          orderBy: { createdAt: "asc" },
        })
      ).map(toGrantView)
    : [];
  return { groups, grants: await grantsList({ userId: id }), groupGrants };
}

/**
 * Forgets a deleted VM's grants and tags (the VM's identity, host + UUID, is gone for good).
 * Audited with the deletion by its caller.
 */
export async function vmAccessForget(hostId: string, vmUuid: string): Promise<{ grants: number; tags: number }> {
  const t = { hostId: hostId.toLowerCase(), vmUuid: vmUuid.toLowerCase() };
  const [grants, tags] = await db().$transaction([
    db().grant.deleteMany({ where: { scope: "vm", ...t } }),
    db().vmTag.deleteMany({ where: t }),
  ]);
  return { grants: grants.count, tags: tags.count };
}
