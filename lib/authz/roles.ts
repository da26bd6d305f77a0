import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { randomUUID } from "node:crypto";
import { db } from "@/lib/db/client";
import { conflictOnUnique } from "@/lib/db/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditBy, auditRecord } from "@/lib/audit/audit";
import { PRIVILEGES } from "@/lib/authz/privileges";
import { ACCOUNT_ROLE_GRANTS } from "@/lib/authz/authorize";
import { assertAdminRemains } from "@/lib/authz/guard";
import { isPrivilege } from "@/lib/authz/effective";
import type { RoleView } from "@/lib/contracts/access";

/** Custom roles (named bundles of privileges); built-in roles are never edited. Changes are audited. */
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
  const accountHolders = await db().user.groupBy({
    by: ["role"],
    _count: { _all: true },
    where: { role: { in: [...ACCOUNT_ROLE_GRANTS] } },
  });
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
  const taken = `A role named "${input.name}" already exists`;
  return conflictOnUnique(
    db().$transaction(async (tx) => {
      if (await roleNameTaken(tx, input.name)) throw new AppError("conflict", taken);
      const r = await tx.accessRole.create({
        data: {
          id: randomUUID(),
          name: input.name,
          description: input.description,
          privileges: input.privileges,
          builtin: false,
        },
      });
      await auditBy(
        caller,
        {
          action: "role.create",
          target: { type: "role", id: r.id, name: r.name },
          details: { privileges: r.privileges },
        },
        tx,
      );
      return {
        id: r.id,
        name: r.name,
        description: r.description,
        builtin: false,
        privileges: r.privileges.filter(isPrivilege),
        grantCount: 0,
      };
    }),
    taken,
  );
}

export async function roleUpdate(
  caller: Caller,
  id: string,
  input: z.infer<typeof RoleUpdateSchema>,
): Promise<RoleView> {
  const before = await roleRow(id);
  if (before.builtin) throw new AppError("forbidden", "Built-in roles cannot be changed");
  const taken = `A role named "${input.name}" already exists`;
  await conflictOnUnique(
    db().$transaction(async (tx) => {
      if (input.name && (await roleNameTaken(tx, input.name, before.id))) throw new AppError("conflict", taken);
      const after = await tx.accessRole.update({ where: { id: before.id }, data: input });
      await assertAdminRemains(tx);
      const changes: Record<string, { from: unknown; to: unknown }> = {};
      if (after.name !== before.name) changes.name = { from: before.name, to: after.name };
      if (after.description !== before.description)
        changes.description = { from: before.description, to: after.description };
      if (after.privileges.join() !== before.privileges.join())
        changes.privileges = { from: before.privileges, to: after.privileges };
      await auditBy(
        caller,
        { action: "role.update", target: { type: "role", id: after.id, name: after.name }, details: { changes } },
        tx,
      );
    }),
    taken,
  );
  return (await rolesList()).find((r) => r.id === before.id)!;
}

export async function roleDelete(caller: Caller, id: string): Promise<void> {
  const r = await roleRow(id);
  if (r.builtin) throw new AppError("forbidden", "Built-in roles cannot be deleted");
  if (r._count.grants > 0)
    throw new AppError("conflict", `${r.name} is granted ${r._count.grants} time(s): remove those grants first`);
  await db().$transaction(async (tx) => {
    await tx.accessRole.delete({ where: { id: r.id } });
    await auditRecord(
      { actor: caller.actor, action: "role.delete", target: { type: "role", id: r.id, name: r.name }, ip: caller.ip },
      tx,
    );
  });
}
