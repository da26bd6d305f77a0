import "server-only";
import type { Caller } from "@/lib/authz/caller";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { conflictOnUnique } from "@/lib/db/errors";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { DisplayNameSchema, PasswordSchema, UsernameSchema } from "@/lib/auth/credentials";
import { passwordHash, passwordVerify } from "@/lib/auth/password";
import { sessionRevokeAllForUser } from "@/lib/auth/session";
import { ROLES } from "@/lib/authz/privileges";
import { assertAdminRemains } from "@/lib/authz/guard";
import { Prisma } from "@/lib/generated/prisma/client";

export const RoleSchema = z.enum(ROLES, { error: "Role must be admin, operator or helpdesk" });

export const UserCreateSchema = z.object({
  username: UsernameSchema,
  displayName: DisplayNameSchema.default(""),
  role: RoleSchema,
  password: PasswordSchema,
});

export const UserUpdateSchema = z
  .object({
    displayName: DisplayNameSchema.optional(),
    role: RoleSchema.optional(),
    disabled: z.boolean({ error: "disabled must be true or false" }).optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Nothing to change");

export const PasswordResetSchema = z.object({ password: PasswordSchema }).strict();

export const PasswordChangeSchema = z
  .object({
    currentPassword: z.string({ error: "Current password must be text" }).max(1024),
    newPassword: PasswordSchema,
  })
  .strict();

export const UserIdSchema = z.uuid({ error: "Unknown user" });

/** What the API and pages may see of a user: never the password hash. */
export interface UserView {
  id: string;
  username: string;
  displayName: string;
  role: (typeof ROLES)[number];
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

const VIEW = {
  id: true,
  username: true,
  displayName: true,
  role: true,
  disabled: true,
  createdAt: true,
  lastLoginAt: true,
} as const;

function toView(u: Prisma.UserGetPayload<{ select: typeof VIEW }>): UserView {
  return { ...u, createdAt: u.createdAt.toISOString(), lastLoginAt: u.lastLoginAt?.toISOString() ?? null };
}

async function findOrThrow(id: string) {
  const parsed = UserIdSchema.safeParse(id);
  if (!parsed.success) throw new AppError("not_found", "User not found");
  const user = await db().user.findUnique({ where: { id: parsed.data }, select: VIEW });
  if (!user) throw new AppError("not_found", "User not found");
  return user;
}

export async function usersList(): Promise<UserView[]> {
  const rows = await db().user.findMany({ select: VIEW, orderBy: { username: "asc" } });
  return rows.map(toView);
}

export async function userGet(id: string): Promise<UserView> {
  return toView(await findOrThrow(id));
}

export async function userCreate(caller: Caller, input: z.infer<typeof UserCreateSchema>): Promise<UserView> {
  const hash = await passwordHash(input.password);
  const user = await conflictOnUnique(
    db().$transaction(async (tx) => {
      const created = await tx.user.create({
        data: { username: input.username, displayName: input.displayName, role: input.role, passwordHash: hash },
        select: VIEW,
      });
      await auditBy(
        caller,
        {
          action: "user.create",
          target: { type: "user", id: created.id, name: created.username },
          details: { role: created.role },
        },
        tx,
      );
      return created;
    }),
    `A user named "${input.username}" already exists`,
  );
  return toView(user);
}

export async function userUpdate(
  caller: Caller,
  id: string,
  input: z.infer<typeof UserUpdateSchema>,
): Promise<UserView> {
  const before = await findOrThrow(id);
  const self = before.id === caller.principal.user.id;
  if (self && input.disabled === true) throw new AppError("conflict", "You cannot disable your own account");
  if (self && input.role && input.role !== before.role)
    throw new AppError("conflict", "You cannot change your own role");
  const updated = await db().$transaction(async (tx) => {
    const after = await tx.user.update({ where: { id: before.id }, data: input, select: VIEW });
    // Counts admins through groups too (lib/authz/guard.ts); refusing rolls the update back.
    await assertAdminRemains(tx);
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    for (const key of Object.keys(input) as (keyof typeof input)[]) {
      if (before[key] !== after[key]) changes[key] = { from: before[key], to: after[key] };
    }
    const action =
      input.disabled === true && !before.disabled
        ? "user.disable"
        : input.disabled === false && before.disabled
          ? "user.enable"
          : "user.update";
    await auditBy(
      caller,
      { action, target: { type: "user", id: after.id, name: after.username }, details: { changes } },
      tx,
    );
    return after;
  });
  if (updated.disabled && !before.disabled) await sessionRevokeAllForUser(updated.id);
  return toView(updated);
}

export async function userDelete(caller: Caller, id: string): Promise<void> {
  const user = await findOrThrow(id);
  if (user.id === caller.principal.user.id) throw new AppError("conflict", "You cannot delete your own account");
  await db().$transaction(async (tx) => {
    await tx.user.delete({ where: { id: user.id } });
    await assertAdminRemains(tx);
    await auditBy(caller, { action: "user.delete", target: { type: "user", id: user.id, name: user.username } }, tx);
  });
}

/** Stores `user`'s new password (hashed, with its change time) and its audit line, in one transaction. */
async function passwordStore(
  caller: Caller,
  user: { id: string; username: string },
  password: string,
  action: "user.password_reset" | "account.password_change",
): Promise<void> {
  const hash = await passwordHash(password);
  await db().$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash: hash, passwordChangedAt: new Date() } });
    await auditBy(caller, { action, target: { type: "user", id: user.id, name: user.username } }, tx);
  });
}

/** An admin sets a new password for someone; every session of that user ends. */
export async function userPasswordReset(
  caller: Caller,
  id: string,
  input: z.infer<typeof PasswordResetSchema>,
): Promise<void> {
  const user = await findOrThrow(id);
  await passwordStore(caller, user, input.password, "user.password_reset");
  await sessionRevokeAllForUser(
    user.id,
    user.id === caller.principal.user.id ? (caller.principal.sessionId ?? undefined) : undefined,
  );
}

/** A user changes their own password; their other sessions end. */
export async function accountPasswordChange(
  caller: Caller,
  input: z.infer<typeof PasswordChangeSchema>,
): Promise<void> {
  const me = caller.principal.user;
  const row = await db().user.findUnique({ where: { id: me.id }, select: { passwordHash: true } });
  const ok = await passwordVerify(row?.passwordHash ?? null, input.currentPassword.normalize("NFC"));
  if (!ok) {
    await auditBy(caller, {
      action: "account.password_change",
      outcome: "failure",
      target: { type: "user", id: me.id, name: me.username },
    });
    throw new AppError("invalid_input", "Current password is wrong", {
      issues: [{ path: "currentPassword", message: "Current password is wrong" }],
    });
  }
  await passwordStore(caller, me, input.newPassword, "account.password_change");
  await sessionRevokeAllForUser(me.id, caller.principal.sessionId ?? undefined);
}
