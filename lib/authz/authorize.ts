import "server-only";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import type { Privilege } from "@/lib/authz/privileges";
import type { Principal } from "@/lib/authz/principal";
import {
  needsVmTags,
  privilegesAnywhere as anywhere,
  privilegesAt as at,
  targetNormalize,
  visibilityFrom,
  vmKey,
  type AuthzTarget,
  type GrantFact,
  type GrantScopeKind,
  type Visibility,
  VISIBILITY_NONE,
} from "@/lib/authz/effective";

/**
 * The one authorization function and its helpers. Nothing is cached across
 * requests: every call reads the grants from the database (one query, plus
 * one for the VM's tags when a tag grant exists), so a revoked grant or a
 * removed membership applies at once on every app instance.
 */

type Db = Pick<ReturnType<typeof db>, "$queryRaw">;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** User.role values that act as a global grant of the built-in role with the same id. */
export const ACCOUNT_ROLE_GRANTS = ["admin", "operator"] as const;

interface GrantRowWire {
  grantId: string | null;
  scope: string;
  hostId: string | null;
  vmUuid: string | null;
  tag: string | null;
  roleId: string;
  roleName: string;
  privileges: string[];
  groupId: string | null;
  groupName: string | null;
  direct: boolean;
}

/**
 * Every grant reaching a user: their own, their groups', and their account
 * role; nothing for a disabled or unknown user. One SQL statement, used as a
 * CTE by the visibility query too.
 */
function grantsSql(userId: string): Prisma.Sql {
  return Prisma.sql`
    SELECT g.id::text AS "grantId", g.scope::text AS scope, g."hostId"::text AS "hostId", g."vmUuid", g.tag,
           r.id AS "roleId", r.name AS "roleName", r.privileges,
           g."groupId"::text AS "groupId", gr.name AS "groupName", (g."userId" IS NOT NULL) AS direct
    FROM "Grant" g
    JOIN "AccessRole" r ON r.id = g."roleId"
    JOIN "User" u ON u.id = ${userId}::uuid AND NOT u.disabled
    LEFT JOIN "Group" gr ON gr.id = g."groupId"
    WHERE g."userId" = u.id OR g."groupId" IN (SELECT m."groupId" FROM "GroupMember" m WHERE m."userId" = u.id)
    UNION ALL
    SELECT NULL, 'global', NULL, NULL, NULL, r.id, r.name, r.privileges, NULL, NULL, true
    FROM "User" u JOIN "AccessRole" r ON r.id = u.role::text
    WHERE u.id = ${userId}::uuid AND NOT u.disabled AND u.role::text IN (${Prisma.join([...ACCOUNT_ROLE_GRANTS])})`;
}

function toFact(r: GrantRowWire): GrantFact {
  return {
    grantId: r.grantId,
    scope: r.scope as GrantScopeKind,
    hostId: r.hostId,
    vmUuid: r.vmUuid,
    tag: r.tag,
    roleId: r.roleId,
    roleName: r.roleName,
    privileges: r.privileges,
    via:
      r.grantId === null
        ? { kind: "account_role" }
        : r.direct
          ? { kind: "user" }
          : { kind: "group", groupId: r.groupId!, groupName: r.groupName ?? "" },
  };
}

/** The grants that reach a user (directly, through groups, through their account role). */
export async function userGrantFacts(userId: string, client: Db = db()): Promise<GrantFact[]> {
  if (!UUID_RE.test(userId)) return [];
  const rows = await client.$queryRaw<GrantRowWire[]>(grantsSql(userId));
  return rows.map(toFact);
}

async function vmTagsOf(target: AuthzTarget, client: Db): Promise<string[]> {
  const t = targetNormalize(target);
  if (!t.vmUuid || !UUID_RE.test(t.hostId)) return [];
  const rows = await client.$queryRaw<{ tag: string }[]>`
    SELECT tag FROM "VmTag" WHERE "hostId" = ${t.hostId}::uuid AND "vmUuid" = ${t.vmUuid}`;
  return rows.map((r) => r.tag);
}

/** A principal's privileges at a target (nothing: global only; a host; a VM, incl. its tags). */
export async function privilegesAt(
  principal: Principal,
  target?: AuthzTarget,
  client: Db = db(),
): Promise<Set<Privilege>> {
  const grants = await userGrantFacts(principal.user.id, client);
  const vmTags = needsVmTags(grants) ? await vmTagsOf(target ?? {}, client) : [];
  return at(grants, target, { vmTags, limit: principal.limit });
}

/** Privileges a principal holds at some scope: for navigation and "may use this list at all". */
export async function privilegesAnywhere(principal: Principal, client: Db = db()): Promise<Set<Privilege>> {
  return anywhere(await userGrantFacts(principal.user.id, client), principal.limit);
}

/**
 * THE authorization function: may `principal` use `privilege` on `target`?
 * No target: the privilege must be held globally. `{ anywhere: true }`: held
 * at any scope (list endpoints, which then filter by visibility).
 */
export async function authorize(
  principal: Principal,
  privilege: Privilege,
  target?: AuthzTarget | "anywhere",
): Promise<boolean> {
  if (target === "anywhere") return (await privilegesAnywhere(principal)).has(privilege);
  return (await privilegesAt(principal, target)).has(privilege);
}

export interface DeniedRequest {
  ip: string;
  method: string;
  path: string;
}

/**
 * The assert form: throws AppError forbidden (403) when the principal lacks
 * `privilege` at `target`, or not_found (404) when it may not even see the
 * target (vm.view on a VM, host.view or vm.view on a host), so that existence
 * does not leak. Denials are audited when `request` is given.
 */
export async function authorizeOrThrow(
  principal: Principal,
  privilege: Privilege,
  target?: AuthzTarget | "anywhere",
  request?: DeniedRequest,
): Promise<void> {
  let held: Set<Privilege>;
  if (target === "anywhere") held = await privilegesAnywhere(principal);
  else held = await privilegesAt(principal, target);
  if (held.has(privilege)) return;
  const t = target === "anywhere" ? { hostId: "", vmUuid: "" } : targetNormalize(target);
  const hidden = t.vmUuid ? !held.has("vm.view") : t.hostId ? !held.has("host.view") && !held.has("vm.view") : false;
  if (request) await accessDeniedRecord(principal, privilege, t, request);
  if (hidden) throw new AppError("not_found", t.vmUuid ? "VM not found" : "Host not found");
  throw new AppError("forbidden", "You do not have permission to do this");
}

/**
 * `authorizeOrThrow` for a privilege that must be held GLOBALLY to act on a target (host
 * endpoint changes and probes, VM tags): 404 when the principal may not even see the target,
 * else 403 unless the privilege is held at global scope (after the principal's limit).
 */
export async function authorizeGlobalOrThrow(
  principal: Principal,
  privilege: Privilege,
  target: AuthzTarget,
  request?: DeniedRequest,
): Promise<void> {
  if ((await privilegesAt(principal, undefined)).has(privilege)) return;
  // Not held globally: the answer is 404 or 403 as for the target, and always a denial.
  const held = await privilegesAt(principal, target);
  if (!held.has(privilege)) return authorizeOrThrow(principal, privilege, target, request);
  const t = targetNormalize(target);
  if (request) await accessDeniedRecord(principal, privilege, t, request, { scope: "global" });
  throw new AppError("forbidden", "You do not have permission to do this");
}

/** The `access.denied` audit record of a refused request (what was asked, where, by which kind of principal). */
export async function accessDeniedRecord(
  principal: Principal,
  privilege: Privilege,
  target: AuthzTarget,
  request: DeniedRequest,
  extra: Record<string, string> = {},
): Promise<void> {
  const t = targetNormalize(target);
  await auditRecord({
    actor: { id: principal.user.id, name: principal.user.username },
    action: "access.denied",
    outcome: "denied",
    ip: request.ip,
    ...(t.vmUuid
      ? { target: { type: "vm", id: `${t.hostId}/${t.vmUuid}` } }
      : t.hostId
        ? { target: { type: "host", id: t.hostId } }
        : {}),
    details: { method: request.method, path: request.path, privilege, ...extra, via: principal.kind },
  });
}

/**
 * What a principal may see in lists, for `privilege` (vm.view for VMs,
 * host.view for hosts): from the grants carrying the privilege and the VMs
 * their tags reach (one query for the grants, one more only when a tag grant
 * carries the privilege).
 */
export async function visibility(
  principal: Principal,
  privilege: Privilege = "vm.view",
  client: Db = db(),
): Promise<Visibility> {
  return visibilityFromGrants(principal, privilege, await userGrantFacts(principal.user.id, client), client);
}

/**
 * `visibility` from the principal's grants already read (userGrantFacts) in this request or tick,
 * so a request that also needs the VMs' privileges reads the grants once.
 */
export async function visibilityFromGrants(
  principal: Principal,
  privilege: Privilege,
  grants: readonly GrantFact[],
  client: Db = db(),
): Promise<Visibility> {
  if (principal.limit?.privileges && !principal.limit.privileges.includes(privilege)) return VISIBILITY_NONE;
  const carrying = grants.filter((g) => g.privileges.includes(privilege));
  // Host-level privileges (host.view) are not given by VM or tag grants.
  const hostLevel = privilege.startsWith("host.");
  const direct = carrying.filter((g) =>
    hostLevel ? g.scope === "global" || g.scope === "host" : g.scope !== "tag" && (g.scope !== "vm" || g.hostId),
  );
  const tags = hostLevel ? [] : [...new Set(carrying.flatMap((g) => (g.scope === "tag" && g.tag ? [g.tag] : [])))];
  const tagged = tags.length
    ? await client.$queryRaw<{ hostId: string; vmUuid: string }[]>`
        SELECT "hostId"::text AS "hostId", "vmUuid" FROM "VmTag" WHERE tag IN (${Prisma.join(tags)})`
    : [];
  return visibilityFrom(direct, tagged, principal.limit);
}

export interface AuthzQuestion {
  principal: Principal;
  privilege: Privilege;
  target?: AuthzTarget;
}

/**
 * `authorize` for many questions at once (live console re-checks): the grants
 * of each distinct user and the tags of each distinct VM are read once.
 * `grantsOf`: where a user's grants come from (default: read now); the caller
 * re-check tick passes its own, so the refreshes after it reuse the same read.
 */
export async function authorizeMany(
  questions: readonly AuthzQuestion[],
  client: Db = db(),
  grantsOf: (userId: string) => Promise<GrantFact[]> = (id) => userGrantFacts(id, client),
): Promise<boolean[]> {
  const facts = new Map<string, GrantFact[]>();
  for (const id of new Set(questions.map((q) => q.principal.user.id))) facts.set(id, await grantsOf(id));
  const tags = new Map<string, string[]>();
  const out: boolean[] = [];
  for (const q of questions) {
    const grants = facts.get(q.principal.user.id)!;
    let vmTags: string[] = [];
    if (needsVmTags(grants) && q.target?.vmUuid) {
      const t = targetNormalize(q.target);
      const key = `${t.hostId}/${t.vmUuid}`;
      if (!tags.has(key)) tags.set(key, await vmTagsOf(q.target, client));
      vmTags = tags.get(key)!;
    }
    out.push(at(grants, q.target, { vmTags, limit: q.principal.limit }).has(q.privilege));
  }
  return out;
}

/**
 * The caller's vm.* privileges on each of `vms` (a page of the fleet list), so
 * the list shows only the buttons each row allows. One grants query, plus one
 * for the tags of those VMs when a tag grant exists.
 */
export async function privilegesForVms(
  principal: Principal,
  vms: readonly { hostId: string; uuid: string }[],
  client: Db = db(),
  read?: readonly GrantFact[],
): Promise<Record<string, Privilege[]>> {
  const grants = read ?? (await userGrantFacts(principal.user.id, client));
  const tagsByVm = new Map<string, string[]>();
  if (needsVmTags(grants) && vms.length) {
    const rows = await client.$queryRaw<{ hostId: string; vmUuid: string; tag: string }[]>`
      SELECT "hostId"::text AS "hostId", "vmUuid", tag FROM "VmTag"
      WHERE "vmUuid" IN (${Prisma.join(vms.map((v) => v.uuid.toLowerCase()))})`;
    for (const r of rows) {
      const key = vmKey(r.hostId, r.vmUuid);
      tagsByVm.set(key, [...(tagsByVm.get(key) ?? []), r.tag]);
    }
  }
  const out: Record<string, Privilege[]> = {};
  for (const v of vms) {
    const key = vmKey(v.hostId, v.uuid);
    const held = at(
      grants,
      { hostId: v.hostId, vmUuid: v.uuid },
      { vmTags: tagsByVm.get(key) ?? [], limit: principal.limit },
    );
    out[key] = [...held].filter((p) => p.startsWith("vm.")).sort();
  }
  return out;
}

/**
 * The principal's grants read once, for a request that asks several questions
 * (a page deciding which buttons to show at the VM, its host and globally).
 * Lives as long as the request: never keep one across requests.
 */
export async function accessSnapshot(principal: Principal, client: Db = db()) {
  const grants = await userGrantFacts(principal.user.id, client);
  return {
    async at(target?: AuthzTarget): Promise<Set<Privilege>> {
      const vmTags = needsVmTags(grants) && target?.vmUuid ? await vmTagsOf(target, client) : [];
      return at(grants, target, { vmTags, limit: principal.limit });
    },
    anywhere(): Set<Privilege> {
      return anywhere(grants, principal.limit);
    },
  };
}
