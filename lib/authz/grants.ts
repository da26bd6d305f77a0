import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { DomainUuidSchema } from "@/lib/contracts/libvirt";
import { assertAdminRemains } from "@/lib/authz/guard";
import { isPrivilege, type GrantScopeKind } from "@/lib/authz/effective";
import type { GrantView } from "@/lib/contracts/access";
import { parseId } from "@/lib/authz/records";
import { TagSchema } from "@/lib/authz/tags";

/**
 * Grants of a role to a user or group at a scope. Every change is audited in the same transaction
 * and refused when it would leave nobody holding user.manage globally.
 */
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
  subject: z.strictObject({
    kind: z.enum(["user", "group"], { error: "subject must be a user or a group" }),
    id: z.uuid({ error: "Unknown subject" }),
  }),
  roleId: z.string({ error: "Unknown role" }).min(1).max(64),
  scope: GrantScopeSchema,
});

export const GrantListQuerySchema = z.strictObject({
  userId: z.uuid().optional(),
  groupId: z.uuid().optional(),
  hostId: z.uuid().optional(),
  vmUuid: DomainUuidSchema.optional(),
});

export const GRANT_INCLUDE = {
  role: { select: { id: true, name: true, builtin: true, privileges: true } },
  user: { select: { id: true, username: true } },
  group: { select: { id: true, name: true } },
  host: { select: { name: true } },
} as const;

type GrantRow = Prisma.GrantGetPayload<{ include: typeof GRANT_INCLUDE }>;

export function toGrantView(g: GrantRow): GrantView {
  return {
    id: g.id,
    subject: g.user
      ? { kind: "user", id: g.user.id, name: g.user.username }
      : { kind: "group", id: g.group!.id, name: g.group!.name },
    role: {
      id: g.role.id,
      name: g.role.name,
      builtin: g.role.builtin,
      privileges: g.role.privileges.filter(isPrivilege),
    },
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

function scopeLabel(g: {
  scope: GrantScopeKind;
  hostId: string | null;
  vmUuid: string | null;
  tag: string | null;
}): string {
  return g.scope === "global"
    ? "global"
    : g.scope === "host"
      ? `host ${g.hostId}`
      : g.scope === "vm"
        ? `vm ${g.hostId}/${g.vmUuid}`
        : `tag ${g.tag}`;
}

export async function grantCreate(caller: Caller, input: z.infer<typeof GrantCreateSchema>): Promise<GrantView> {
  const subjectId = input.subject.id.toLowerCase();
  // The subject must exist as the kind it claims: a user id passed as a group (or the reverse) is unknown.
  const subject =
    input.subject.kind === "user"
      ? await db()
          .user.findUnique({ where: { id: subjectId }, select: { id: true, username: true } })
          .then((u) => u && { id: u.id, name: u.username })
      : await db().group.findUnique({ where: { id: subjectId }, select: { id: true, name: true } });
  if (!subject) throw new AppError("not_found", input.subject.kind === "user" ? "User not found" : "Group not found");
  const role = await db().accessRole.findUnique({ where: { id: input.roleId } });
  if (!role) throw new AppError("not_found", "Role not found");
  const s = input.scope;
  const hostId = s.kind === "host" || s.kind === "vm" ? s.hostId.toLowerCase() : null;
  if (hostId && !(await db().host.findUnique({ where: { id: hostId }, select: { id: true } })))
    throw new AppError("not_found", "Host not found");
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
    const g = await tx.grant.create({
      data: { ...data, createdById: caller.principal.user.id },
      include: GRANT_INCLUDE,
    });
    await auditBy(
      caller,
      {
        action: "grant.create",
        target:
          s.kind === "vm"
            ? { type: "vm", id: `${hostId}/${s.vmUuid}` }
            : s.kind === "host"
              ? { type: "host", id: hostId! }
              : { type: "grant", id: g.id },
        details: {
          grantId: g.id,
          subject: { kind: input.subject.kind, id: subject.id, name: subject.name },
          role: role.name,
          scope: scopeLabel(g),
        },
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
    await auditBy(
      caller,
      {
        action: "grant.delete",
        target:
          g.scope === "vm"
            ? { type: "vm", id: `${g.hostId}/${g.vmUuid}` }
            : g.scope === "host"
              ? { type: "host", id: g.hostId! }
              : { type: "grant", id: g.id },
        details: { grantId: g.id, subject: view.subject, role: view.role.name, scope: scopeLabel(g) },
      },
      tx,
    );
  });
}
