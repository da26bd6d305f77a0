import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { conflictOnUnique } from "@/lib/db/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { assertAdminRemains } from "@/lib/authz/guard";
import type { GroupDetail, GroupView } from "@/lib/contracts/access";
import { parseId } from "@/lib/authz/records";
import { grantsList } from "@/lib/authz/grants";

/**
 * Groups and their members. Every change is audited in the same transaction and refused when it
 * would leave nobody holding user.manage globally.
 */
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
  const rows = await db().group.findMany({
    orderBy: { name: "asc" },
    include: { _count: { select: { members: true } } },
  });
  return rows.map(toView);
}

type Row = Prisma.GroupGetPayload<{ include: { _count: { select: { members: true } } } }>;

function toView(g: Row): GroupView {
  return {
    id: g.id,
    name: g.name,
    description: g.description,
    memberCount: g._count.members,
    createdAt: g.createdAt.toISOString(),
  };
}

async function groupRow(id: string): Promise<Row> {
  const g = await db().group.findUnique({
    where: { id: parseId(id, "Group") },
    include: { _count: { select: { members: true } } },
  });
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
    ...toView(g),
    members: members.map((m) => m.user),
    grants: await grantsList({ groupId: g.id }),
  };
}

async function nameTaken(tx: Prisma.TransactionClient, name: string, exceptId?: string): Promise<boolean> {
  const rows = await tx.$queryRaw<
    { id: string }[]
  >`SELECT id::text AS id FROM "Group" WHERE lower(name) = lower(${name})`;
  return rows.some((r) => r.id !== exceptId);
}

export async function groupCreate(caller: Caller, input: z.infer<typeof GroupCreateSchema>): Promise<GroupView> {
  const taken = `A group named "${input.name}" already exists`;
  return conflictOnUnique(
    db().$transaction(async (tx) => {
      if (await nameTaken(tx, input.name)) throw new AppError("conflict", taken);
      const g = await tx.group.create({ data: { name: input.name, description: input.description } });
      await auditBy(caller, { action: "group.create", target: { type: "group", id: g.id, name: g.name } }, tx);
      return toView({ ...g, _count: { members: 0 } });
    }),
    taken,
  );
}

export async function groupUpdate(
  caller: Caller,
  id: string,
  input: z.infer<typeof GroupUpdateSchema>,
): Promise<GroupView> {
  const before = await groupRow(id);
  const taken = `A group named "${input.name}" already exists`;
  await conflictOnUnique(
    db().$transaction(async (tx) => {
      if (input.name && (await nameTaken(tx, input.name, before.id))) throw new AppError("conflict", taken);
      const after = await tx.group.update({ where: { id: before.id }, data: input });
      const changes: Record<string, { from: string; to: string }> = {};
      if (after.name !== before.name) changes.name = { from: before.name, to: after.name };
      if (after.description !== before.description)
        changes.description = { from: before.description, to: after.description };
      await auditBy(
        caller,
        { action: "group.update", target: { type: "group", id: after.id, name: after.name }, details: { changes } },
        tx,
      );
    }),
    taken,
  );
  return toView(await groupRow(before.id));
}

export async function groupDelete(caller: Caller, id: string): Promise<void> {
  const g = await groupRow(id);
  await db().$transaction(async (tx) => {
    const grants = await tx.grant.count({ where: { groupId: g.id } });
    await tx.group.delete({ where: { id: g.id } });
    await assertAdminRemains(tx);
    await auditBy(
      caller,
      {
        action: "group.delete",
        target: { type: "group", id: g.id, name: g.name },
        details: { members: g._count.members, grants },
      },
      tx,
    );
  });
}

export async function groupMemberAdd(caller: Caller, groupId: string, userId: string): Promise<void> {
  const g = await groupRow(groupId);
  const user = await db().user.findUnique({
    where: { id: parseId(userId, "User") },
    select: { id: true, username: true },
  });
  if (!user) throw new AppError("not_found", "User not found");
  await db().$transaction(async (tx) => {
    const exists = await tx.groupMember.findUnique({ where: { groupId_userId: { groupId: g.id, userId: user.id } } });
    if (exists) throw new AppError("conflict", `${user.username} is already a member of ${g.name}`);
    await tx.groupMember.create({ data: { groupId: g.id, userId: user.id } });
    await auditBy(
      caller,
      {
        action: "group.member_add",
        target: { type: "group", id: g.id, name: g.name },
        details: { user: user.username, userId: user.id },
      },
      tx,
    );
  });
}

export async function groupMemberRemove(caller: Caller, groupId: string, userId: string): Promise<void> {
  const g = await groupRow(groupId);
  const uid = parseId(userId, "Member");
  await db().$transaction(async (tx) => {
    const m = await tx.groupMember.findUnique({
      where: { groupId_userId: { groupId: g.id, userId: uid } },
      include: { user: { select: { username: true } } },
    });
    if (!m) throw new AppError("not_found", "Member not found");
    await tx.groupMember.delete({ where: { groupId_userId: { groupId: g.id, userId: uid } } });
    await assertAdminRemains(tx);
    await auditBy(
      caller,
      {
        action: "group.member_remove",
        target: { type: "group", id: g.id, name: g.name },
        details: { user: m.user.username, userId: uid },
      },
      tx,
    );
  });
}
