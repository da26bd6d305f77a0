import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditRecord, type AuditActor } from "@/lib/audit/audit";
import { PRIVILEGES, type Privilege } from "@/lib/authz/privileges";
import { DomainUuidSchema } from "@/lib/hosts/virsh-command";
import type { Principal } from "@/lib/authz/principal";
import { ACCOUNT_ROLE_GRANTS } from "@/lib/authz/authorize";
import { assertAdminRemains } from "@/lib/authz/guard";
import { grantCovers, isPrivilege, type GrantFact, type GrantScopeKind } from "@/lib/authz/effective";
import type { AccessSource, GrantView, GroupDetail, GroupMemberView, GroupView, RoleView, UserAccess, VmAccess, VmAccessEntry } from "@/lib/contracts/access";

export type { AccessSource, GrantView, GroupDetail, GroupMemberView, GroupView, RoleView, UserAccess, VmAccess, VmAccessEntry };

/**
 * Administration of access control: groups and memberships, custom roles,
 * grants, VM tags, and the effective access on one VM (the Permissions tab).
 * Every change is audited in the same transaction and refused when it would
 * leave nobody holding user.manage globally.
 */



const IdSchema = z.uuid({ error: "Unknown id" });

function parseId(id: string, what: string): string {
  const r = IdSchema.safeParse(id);
  if (!r.success) throw new AppError("not_found", `${what} not found`);
  return r.data.toLowerCase();
}

function uniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

// ─── Groups ──────────────────────────────────────────────────────────────────

export const GroupNameSchema = z
  .string({ error: "Name must be text" })
  .trim()
  .min(1, "Name is required")
  .max(64, "Name is at most 64 characters")
  .regex(/^[^\p{Cc}]+$/u, "Name may not contain control characters");

export const GroupCreateSchema = z.strictObject({
  name: GroupNameSchema,
  description: z.string({ error: "Description must be text" }).trim().max(500).default(""),
});

export const GroupUpdateSchema = z
  .strictObject({ name: GroupNameSchema.optional(), description: z.string().trim().max(500).optional() })
  .refine((v) => Object.keys(v).length > 0, "Nothing to change");

export const GroupMemberSchema = z.strictObject({ userId: z.uuid({ error: "Unknown user" }) });




export async function groupsList(): Promise<GroupView[]> {
  const rows = await db().group.findMany({ orderBy: { name: "asc" }, include: { _count: { select: { members: true } } } });
  return rows.map((g) => ({ id: g.id, name: g.name, description: g.description, memberCount: g._count.members, createdAt: g.createdAt.toISOString() }));
}

async function groupRow(id: string) {
  const g = await db().group.findUnique({ where: { id: parseId(id, "Group") }, include: { _count: { select: { members: true } } } });
  if (!g) throw new AppError("not_found", "Group not found");
  return g;
}

export async function groupGet(id: string): Promise<GroupDetail> {
  const g = await groupRow(id);
  const members = await db().groupMember.findMany({
    where: { groupId: g.id },
    include: { user: { select: { id: true, username: true, displayName: true, disabled: true } } },
    orderBy: { user: { username: "asc" } },
  });
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    memberCount: g._count.members,
    createdAt: g.createdAt.toISOString(),
    members: members.map((m) => m.user),
    grants: await grantsList({ groupId: g.id }),
  };
}

async function nameTaken(tx: Prisma.TransactionClient, name: string, exceptId?: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id::text AS id FROM "Group" WHERE lower(name) = lower(${name})`;
  return rows.some((r) => r.id !== exceptId);
}

export async function groupCreate(caller: Caller, input: z.infer<typeof GroupCreateSchema>): Promise<GroupView> {
  try {
    return await db().$transaction(async (tx) => {
      if (await nameTaken(tx, input.name)) throw new AppError("conflict", `A group named "${input.name}" already exists`);
      const g = await tx.group.create({ data: { name: input.name, description: input.description } });
      await auditRecord({ actor: caller.actor, action: "group.create", target: { type: "group", id: g.id, name: g.name }, ip: caller.ip }, tx);
      return { id: g.id, name: g.name, description: g.description, memberCount: 0, createdAt: g.createdAt.toISOString() };
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new AppError("conflict", `A group named "${input.name}" already exists`);
    throw err;
  }
}

export async function groupUpdate(caller: Caller, id: string, input: z.infer<typeof GroupUpdateSchema>): Promise<GroupView> {
  const before = await groupRow(id);
  try {
    await db().$transaction(async (tx) => {
      if (input.name && (await nameTaken(tx, input.name, before.id))) throw new AppError("conflict", `A group named "${input.name}" already exists`);
      const after = await tx.group.update({ where: { id: before.id }, data: input });
      const changes: Record<string, { from: string; to: string }> = {};
      if (after.name !== before.name) changes.name = { from: before.name, to: after.name };
      if (after.description !== before.description) changes.description = { from: before.description, to: after.description };
      await auditRecord({ actor: caller.actor, action: "group.update", target: { type: "group", id: after.id, name: after.name }, ip: caller.ip, details: { changes } }, tx);
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new AppError("conflict", `A group named "${input.name}" already exists`);
    throw err;
  }
  const g = await groupRow(before.id);
  return { id: g.id, name: g.name, description: g.description, memberCount: g._count.members, createdAt: g.createdAt.toISOString() };
}

export async function groupDelete(caller: Caller, id: string): Promise<void> {
  const g = await groupRow(id);
  await db().$transaction(async (tx) => {
    const grants = await tx.grant.count({ where: { groupId: g.id } });
    await tx.group.delete({ where: { id: g.id } });
    await assertAdminRemains(tx);
    await auditRecord(
      { actor: caller.actor, action: "group.delete", target: { type: "group", id: g.id, name: g.name }, ip: caller.ip, details: { members: g._count.members, grants } },
      tx,
    );
  });
}

export async function groupMemberAdd(caller: Caller, groupId: string, userId: string): Promise<void> {
  const g = await groupRow(groupId);
  const user = await db().user.findUnique({ where: { id: parseId(userId, "User") }, select: { id: true, username: true } });
  if (!user) throw new AppError("not_found", "User not found");
  await db().$transaction(async (tx) => {
    const exists = await tx.groupMember.findUnique({ where: { groupId_userId: { groupId: g.id, userId: user.id } } });
    if (exists) throw new AppError("conflict", `${user.username} is already a member of ${g.name}`);
    await tx.groupMember.create({ data: { groupId: g.id, userId: user.id } });
    await auditRecord(
      { actor: caller.actor, action: "group.member_add", target: { type: "group", id: g.id, name: g.name }, ip: caller.ip, details: { user: user.username, userId: user.id } },
      tx,
    );
  });
}

export async function groupMemberRemove(caller: Caller, groupId: string, userId: string): Promise<void> {
  const g = await groupRow(groupId);
  const uid = parseId(userId, "Member");
  await db().$transaction(async (tx) => {
    const m = await tx.groupMember.findUnique({ where: { groupId_userId: { groupId: g.id, userId: uid } }, include: { user: { select: { username: true } } } });
    if (!m) throw new AppError("not_found", "Member not found");
    await tx.groupMember.delete({ where: { groupId_userId: { groupId: g.id, userId: uid } } });
    await assertAdminRemains(tx);
    await auditRecord(
      { actor: caller.actor, action: "group.member_remove", target: { type: "group", id: g.id, name: g.name }, ip: caller.ip, details: { user: m.user.username, userId: uid } },
      tx,
    );
  });
}

// ─── Roles ───────────────────────────────────────────────────────────────────

export const RoleNameSchema = z
  .string({ error: "Name must be text" })
  .trim()
  .min(1, "Name is required")
  .max(64, "Name is at most 64 characters")
  .regex(/^[^\p{Cc}]+$/u, "Name may not contain control characters");

const PrivilegeListSchema = z
  .array(z.enum(PRIVILEGES, { error: "Unknown privilege" }), { error: "privileges must be a list" })
  .max(PRIVILEGES.length * 2)
  .transform((l) => [...new Set(l)].sort());

export const RoleCreateSchema = z.strictObject({
  name: RoleNameSchema,
  description: z.string().trim().max(500).default(""),
  privileges: PrivilegeListSchema.refine((l) => l.length > 0, "Pick at least one privilege"),
});

export const RoleUpdateSchema = z
  .strictObject({
    name: RoleNameSchema.optional(),
    description: z.string().trim().max(500).optional(),
    privileges: PrivilegeListSchema.refine((l) => l.length > 0, "Pick at least one privilege").optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "Nothing to change");


const BUILTIN_ORDER = ["admin", "operator", "helpdesk", "viewer"];

export async function rolesList(): Promise<RoleView[]> {
  const rows = await db().accessRole.findMany({ include: { _count: { select: { grants: true } } } });
  const accountHolders = await db().user.groupBy({ by: ["role"], _count: { _all: true }, where: { role: { in: [...ACCOUNT_ROLE_GRANTS] } } });
  const held = new Map(accountHolders.map((a) => [a.role as string, a._count._all]));
  const rank = (r: { id: string; builtin: boolean }) => (r.builtin ? BUILTIN_ORDER.indexOf(r.id) : 100);
  return rows
    .sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))
    .map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      builtin: r.builtin,
      privileges: r.privileges.filter(isPrivilege),
      grantCount: r._count.grants + (held.get(r.id) ?? 0),
    }));
}

async function roleRow(id: string) {
  if (typeof id !== "string" || id.length > 64) throw new AppError("not_found", "Role not found");
  const r = await db().accessRole.findUnique({ where: { id }, include: { _count: { select: { grants: true } } } });
  if (!r) throw new AppError("not_found", "Role not found");
  return r;
}

async function roleNameTaken(tx: Prisma.TransactionClient, name: string, exceptId?: string): Promise<boolean> {
  const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "AccessRole" WHERE lower(name) = lower(${name})`;
  return rows.some((r) => r.id !== exceptId);
}

export async function roleCreate(caller: Caller, input: z.infer<typeof RoleCreateSchema>): Promise<RoleView> {
  try {
    return await db().$transaction(async (tx) => {
      if (await roleNameTaken(tx, input.name)) throw new AppError("conflict", `A role named "${input.name}" already exists`);
      const r = await tx.accessRole.create({ data: { id: randomUUID(), name: input.name, description: input.description, privileges: input.privileges, builtin: false } });
      await auditRecord(
        { actor: caller.actor, action: "role.create", target: { type: "role", id: r.id, name: r.name }, ip: caller.ip, details: { privileges: r.privileges } },
        tx,
      );
      return { id: r.id, name: r.name, description: r.description, builtin: false, privileges: r.privileges.filter(isPrivilege), grantCount: 0 };
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new AppError("conflict", `A role named "${input.name}" already exists`);
    throw err;
  }
}

export async function roleUpdate(caller: Caller, id: string, input: z.infer<typeof RoleUpdateSchema>): Promise<RoleView> {
  const before = await roleRow(id);
  if (before.builtin) throw new AppError("forbidden", "Built-in roles cannot be changed");
  try {
    await db().$transaction(async (tx) => {
      if (input.name && (await roleNameTaken(tx, input.name, before.id))) throw new AppError("conflict", `A role named "${input.name}" already exists`);
      const after = await tx.accessRole.update({ where: { id: before.id }, data: input });
      await assertAdminRemains(tx);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (after.name !== before.name) changes.name = { from: before.name, to: after.name };
      if (after.description !== before.description) changes.description = { from: before.description, to: after.description };
      if (after.privileges.join() !== before.privileges.join()) changes.privileges = { from: before.privileges, to: after.privileges };
      await auditRecord({ actor: caller.actor, action: "role.update", target: { type: "role", id: after.id, name: after.name }, ip: caller.ip, details: { changes } }, tx);
    });
  } catch (err) {
    if (uniqueViolation(err)) throw new AppError("conflict", `A role named "${input.name}" already exists`);
    throw err;
  }
  return (await rolesList()).find((r) => r.id === before.id)!;
}

export async function roleDelete(caller: Caller, id: string): Promise<void> {
  const r = await roleRow(id);
  if (r.builtin) throw new AppError("forbidden", "Built-in roles cannot be deleted");
  if (r._count.grants > 0) throw new AppError("conflict", `${r.name} is granted ${r._count.grants} time(s): remove those grants first`);
  await db().$transaction(async (tx) => {
    await tx.accessRole.delete({ where: { id: r.id } });
    await auditRecord({ actor: caller.actor, action: "role.delete", target: { type: "role", id: r.id, name: r.name }, ip: caller.ip }, tx);
  });
}

// ─── Tags ────────────────────────────────────────────────────────────────────

export const TagSchema = z
  .string({ error: "Tag must be text" })
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9_.-]{0,39}$/, "Tags are 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit");

export const VmTagsSchema = z.strictObject({
  tags: z.array(TagSchema, { error: "tags must be a list" }).max(32, "At most 32 tags").transform((l) => [...new Set(l)].sort()),
});

function vmIds(hostId: string, rawUuid: string): { hostId: string; vmUuid: string } {
  const uuid = DomainUuidSchema.safeParse(rawUuid);
  if (!uuid.success) throw new AppError("not_found", "VM not found");
  return { hostId: parseId(hostId, "VM"), vmUuid: uuid.data };
}

export async function vmTagsGet(hostId: string, rawUuid: string): Promise<string[]> {
  const t = vmIds(hostId, rawUuid);
  return (await db().vmTag.findMany({ where: t, orderBy: { tag: "asc" } })).map((r) => r.tag);
}

/** Replaces a VM's tags (which may change who can see it: audited as a permission change). */
export async function vmTagsSet(caller: Caller, hostId: string, rawUuid: string, tags: string[], vmName = ""): Promise<string[]> {
  const t = vmIds(hostId, rawUuid);
  const host = await db().host.findUnique({ where: { id: t.hostId }, select: { id: true } });
  if (!host) throw new AppError("not_found", "VM not found");
  return db().$transaction(async (tx) => {
    const before = (await tx.vmTag.findMany({ where: t })).map((r) => r.tag).sort();
    await tx.vmTag.deleteMany({ where: t });
    if (tags.length) await tx.vmTag.createMany({ data: tags.map((tag) => ({ ...t, tag })) });
    if (before.join() !== tags.join()) {
      await auditRecord(
        { actor: caller.actor, action: "vm.tags", target: { type: "vm", id: `${t.hostId}/${t.vmUuid}`, name: vmName }, ip: caller.ip, details: { from: before, to: tags } },
        tx,
      );
    }
    return tags;
  });
}

/** Every tag in use, for the grant dialog. */
export async function tagsList(): Promise<string[]> {
  const rows = await db().vmTag.findMany({ distinct: ["tag"], select: { tag: true }, orderBy: { tag: "asc" } });
  const granted = await db().grant.findMany({ where: { scope: "tag" }, distinct: ["tag"], select: { tag: true } });
  return [...new Set([...rows.map((r) => r.tag), ...granted.map((g) => g.tag!).filter(Boolean)])].sort();
}

// ─── Grants ──────────────────────────────────────────────────────────────────

export const GrantScopeSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({ kind: z.literal("global") }),
    z.strictObject({ kind: z.literal("host"), hostId: z.uuid({ error: "Unknown host" }) }),
    z.strictObject({ kind: z.literal("vm"), hostId: z.uuid({ error: "Unknown host" }), vmUuid: DomainUuidSchema }),
    z.strictObject({ kind: z.literal("tag"), tag: TagSchema }),
  ],
  { error: "scope must be global, host, vm or tag" },
);

export const GrantCreateSchema = z.strictObject({
  subject: z.strictObject({ kind: z.enum(["user", "group"], { error: "subject must be a user or a group" }), id: z.uuid({ error: "Unknown subject" }) }),
  roleId: z.string({ error: "Unknown role" }).min(1).max(64),
  scope: GrantScopeSchema,
});

export const GrantListQuerySchema = z.strictObject({
  userId: z.uuid().optional(),
  groupId: z.uuid().optional(),
  hostId: z.uuid().optional(),
  vmUuid: DomainUuidSchema.optional(),
});


const GRANT_INCLUDE = {
  role: { select: { id: true, name: true, builtin: true, privileges: true } },
  user: { select: { id: true, username: true } },
  group: { select: { id: true, name: true } },
  host: { select: { name: true } },
} as const;

type GrantRow = Prisma.GrantGetPayload<{ include: typeof GRANT_INCLUDE }>;

function toGrantView(g: GrantRow): GrantView {
  return {
    id: g.id,
    subject: g.user ? { kind: "user", id: g.user.id, name: g.user.username } : { kind: "group", id: g.group!.id, name: g.group!.name },
    role: { id: g.role.id, name: g.role.name, builtin: g.role.builtin, privileges: g.role.privileges.filter(isPrivilege) },
    scope: g.scope,
    hostId: g.hostId,
    hostName: g.host?.name ?? null,
    vmUuid: g.vmUuid,
    tag: g.tag,
    createdAt: g.createdAt.toISOString(),
  };
}

export async function grantsList(q: z.infer<typeof GrantListQuerySchema>): Promise<GrantView[]> {
  const where: Prisma.GrantWhereInput = {};
  if (q.userId) where.userId = q.userId;
  if (q.groupId) where.groupId = q.groupId;
  if (q.hostId) where.hostId = q.hostId;
  if (q.vmUuid) where.vmUuid = q.vmUuid;
  const rows = await db().grant.findMany({ where, include: GRANT_INCLUDE, orderBy: { createdAt: "asc" } });
  return rows.map(toGrantView);
}

function scopeLabel(g: { scope: GrantScopeKind; hostId: string | null; vmUuid: string | null; tag: string | null }): string {
  return g.scope === "global" ? "global" : g.scope === "host" ? `host ${g.hostId}` : g.scope === "vm" ? `vm ${g.hostId}/${g.vmUuid}` : `tag ${g.tag}`;
}

export async function grantCreate(caller: Caller, input: z.infer<typeof GrantCreateSchema>): Promise<GrantView> {
  const subjectId = input.subject.id.toLowerCase();
  // The subject must exist as the kind it claims: a user id passed as a group (or the reverse) is unknown.
  const subject =
    input.subject.kind === "user"
      ? await db().user.findUnique({ where: { id: subjectId }, select: { id: true, username: true } }).then((u) => u && { id: u.id, name: u.username })
      : await db().group.findUnique({ where: { id: subjectId }, select: { id: true, name: true } });
  if (!subject) throw new AppError("not_found", input.subject.kind === "user" ? "User not found" : "Group not found");
  const role = await db().accessRole.findUnique({ where: { id: input.roleId } });
  if (!role) throw new AppError("not_found", "Role not found");
  const s = input.scope;
  const hostId = s.kind === "host" || s.kind === "vm" ? s.hostId.toLowerCase() : null;
  if (hostId && !(await db().host.findUnique({ where: { id: hostId }, select: { id: true } }))) throw new AppError("not_found", "Host not found");
  const data = {
    userId: input.subject.kind === "user" ? subject.id : null,
    groupId: input.subject.kind === "group" ? subject.id : null,
    roleId: role.id,
    scope: s.kind,
    hostId,
    vmUuid: s.kind === "vm" ? s.vmUuid : null,
    tag: s.kind === "tag" ? s.tag : null,
  };
  const created = await db().$transaction(async (tx) => {
    const same = await tx.grant.findFirst({ where: data });
    if (same) throw new AppError("conflict", `${subject.name} already holds ${role.name} there`);
    const g = await tx.grant.create({ data: { ...data, createdById: caller.principal.user.id }, include: GRANT_INCLUDE });
    await auditRecord(
      {
        actor: caller.actor,
        action: "grant.create",
        target: s.kind === "vm" ? { type: "vm", id: `${hostId}/${s.vmUuid}` } : s.kind === "host" ? { type: "host", id: hostId! } : { type: "grant", id: g.id },
        ip: caller.ip,
        details: { grantId: g.id, subject: { kind: input.subject.kind, id: subject.id, name: subject.name }, role: role.name, scope: scopeLabel(g) },
      },
      tx,
    );
    return g;
  });
  return toGrantView(created);
}

export async function grantDelete(caller: Caller, id: string): Promise<void> {
  const g = await db().grant.findUnique({ where: { id: parseId(id, "Grant") }, include: GRANT_INCLUDE });
  if (!g) throw new AppError("not_found", "Grant not found");
  const view = toGrantView(g);
  await db().$transaction(async (tx) => {
    await tx.grant.delete({ where: { id: g.id } });
    await assertAdminRemains(tx);
    await auditRecord(
      {
        actor: caller.actor,
        action: "grant.delete",
        target: g.scope === "vm" ? { type: "vm", id: `${g.hostId}/${g.vmUuid}` } : g.scope === "host" ? { type: "host", id: g.hostId! } : { type: "grant", id: g.id },
        ip: caller.ip,
        details: { grantId: g.id, subject: view.subject, role: view.role.name, scope: scopeLabel(g) },
      },
      tx,
    );
  });
}

// ─── Effective access on one VM (Permissions tab) ────────────────────────────




/**
 * Who may do what on one VM, and where each privilege comes from: every
 * global, host, VM and tag grant covering it, expanded to the users of the
 * groups it names, plus the account roles (User.role admin/operator).
 */
export async function vmAccess(hostId: string, rawUuid: string): Promise<VmAccess> {
  const t = vmIds(hostId, rawUuid);
  const tags = await vmTagsGet(t.hostId, t.vmUuid);
  const grants = await db().grant.findMany({
    where: {
      OR: [{ scope: "global" }, { scope: "host", hostId: t.hostId }, { scope: "vm", hostId: t.hostId, vmUuid: t.vmUuid }, ...(tags.length ? [{ scope: "tag" as const, tag: { in: tags } }] : [])],
    },
    include: { ...GRANT_INCLUDE, group: { select: { id: true, name: true, members: { select: { user: { select: { id: true, username: true, displayName: true, disabled: true } } } } } } },
    orderBy: { createdAt: "asc" },
  });
  const accountRoles = await db().accessRole.findMany({ where: { id: { in: [...ACCOUNT_ROLE_GRANTS] } } });
  const accountUsers = await db().user.findMany({
    where: { role: { in: [...ACCOUNT_ROLE_GRANTS] }, disabled: false },
    select: { id: true, username: true, displayName: true, role: true },
  });
  const byUser = new Map<string, VmAccessEntry>();
  const add = (user: { id: string; username: string; displayName: string }, source: AccessSource) => {
    let e = byUser.get(user.id);
    if (!e) byUser.set(user.id, (e = { user: { id: user.id, username: user.username, displayName: user.displayName }, privileges: [], sources: [] }));
    e.sources.push(source);
    e.privileges = [...new Set([...e.privileges, ...source.privileges])].sort();
  };
  for (const u of accountUsers) {
    const role = accountRoles.find((r) => r.id === u.role);
    if (role) add(u, { grantId: null, role: role.name, scope: "global", scopeName: null, via: { kind: "account_role" }, privileges: role.privileges.filter(isPrivilege) });
  }
  for (const g of grants) {
    const fact: GrantFact = { grantId: g.id, scope: g.scope, hostId: g.hostId, vmUuid: g.vmUuid, tag: g.tag, roleId: g.role.id, roleName: g.role.name, privileges: g.role.privileges, via: { kind: "user" } };
    if (!grantCovers(fact, t, tags)) continue;
    const base = {
      grantId: g.id,
      role: g.role.name,
      scope: g.scope,
      scopeName: g.scope === "host" ? (g.host?.name ?? null) : g.scope === "tag" ? g.tag : null,
      privileges: g.role.privileges.filter(isPrivilege),
    };
    if (g.user) {
      const u = await db().user.findUnique({ where: { id: g.user.id }, select: { id: true, username: true, displayName: true, disabled: true } });
      if (u && !u.disabled) add(u, { ...base, via: { kind: "user" } });
    } else if (g.group) {
      for (const m of g.group.members) if (!m.user.disabled) add(m.user, { ...base, via: { kind: "group", id: g.group.id, name: g.group.name } });
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
  const memberships = await db().groupMember.findMany({ where: { userId: id }, include: { group: { select: { id: true, name: true } } } });
  const groups = memberships.map((m) => m.group).sort((a, b) => a.name.localeCompare(b.name));
  const groupGrants = groups.length
    ? (await db().grant.findMany({ where: { groupId: { in: groups.map((g) => g.id) } }, include: GRANT_INCLUDE, orderBy: { createdAt: "asc" } })).map(toGrantView)
    : [];
  return { groups, grants: await grantsList({ userId: id }), groupGrants };
}

/**
 * Forgets a deleted VM's grants and tags (the VM's identity, host + UUID, is gone for good).
 * Audited with the deletion by its caller.
 */
export async function vmAccessForget(hostId: string, vmUuid: string): Promise<{ grants: number; tags: number }> {
  const t = { hostId: hostId.toLowerCase(), vmUuid: vmUuid.toLowerCase() };
  const [grants, tags] = await db().$transaction([db().grant.deleteMany({ where: { scope: "vm", ...t } }), db().vmTag.deleteMany({ where: t })]);
  return { grants: grants.count, tags: tags.count };
}
