import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { sessionRevokeAllForUser } from "@/lib/auth/session";
import type { Caller } from "@/lib/authz/caller";

/**
 * The security policy (one row, edited by administrators): the roles that must use
 * two-factor authentication, and the longest API token and share link lifetimes.
 */
const RoleNameSchema = z.string().regex(/^[a-z0-9_.-]{1,64}$/, "Unknown role");
export const SecurityPolicySchema = z
  .object({
    totpRequiredRoles: z
      .array(RoleNameSchema)
      .max(100)
      .transform((r) => [...new Set(r)].sort()),
    apiTokenMaxDays: z
      .number({ error: "Must be a number of days" })
      .int()
      .min(1, "At least 1 day")
      .max(3650, "At most 3650 days")
      .optional(),
    /** Longest console share link, in hours (a year at most). */
    shareLinkMaxHours: z
      .number({ error: "Must be a number of hours" })
      .int()
      .min(1, "At least 1 hour")
      .max(8760, "At most 8760 hours")
      .optional(),
  })
  .strict();

export interface SecurityPolicyView {
  totpRequiredRoles: string[];
  apiTokenMaxDays: number;
  shareLinkMaxHours: number;
  updatedAt: string | null;
}

export async function totpEnabled(userId: string): Promise<boolean> {
  const row = await db().userTotp.findUnique({ where: { userId }, select: { enabledAt: true } });
  return !!row?.enabledAt;
}

export async function securityPolicyGet(): Promise<SecurityPolicyView> {
  const row = await db().securityPolicy.findUnique({ where: { id: 1 } });
  return {
    totpRequiredRoles: row?.totpRequiredRoles ?? [],
    apiTokenMaxDays: row?.apiTokenMaxDays ?? 90,
    shareLinkMaxHours: row?.shareLinkMaxHours ?? 24,
    updatedAt: row?.updatedAt.toISOString() ?? null,
  };
}

/**
 * The roles a user holds for the two-factor policy: the account role, and every
 * role granted to the user or to one of their groups, at any scope.
 */
async function userRoleNames(userId: string): Promise<string[]> {
  const rows = await db().$queryRaw<{ name: string }[]>`
    SELECT u.role::text AS name FROM "User" u WHERE u.id = ${userId}::uuid
    UNION
    SELECT r.name FROM "Grant" g JOIN "AccessRole" r ON r.id = g."roleId"
    WHERE g."userId" = ${userId}::uuid
       OR g."groupId" IN (SELECT m."groupId" FROM "GroupMember" m WHERE m."userId" = ${userId}::uuid)`;
  return rows.map((r) => r.name);
}

/** Users holding one of `roles` (as userRoleNames counts them) who have not turned two-factor on. */
async function usersMissingTotp(roles: string[]): Promise<string[]> {
  if (roles.length === 0) return [];
  const list = Prisma.join(roles);
  const rows = await db().$queryRaw<{ id: string }[]>`
    SELECT u.id::text AS id FROM "User" u
    LEFT JOIN "UserTotp" t ON t."userId" = u.id
    WHERE t."enabledAt" IS NULL AND (
      u.role::text IN (${list})
      OR EXISTS (
        SELECT 1 FROM "Grant" g JOIN "AccessRole" r ON r.id = g."roleId"
        WHERE r.name IN (${list})
          AND (g."userId" = u.id OR g."groupId" IN (SELECT m."groupId" FROM "GroupMember" m WHERE m."userId" = u.id))))`;
  return rows.map((r) => r.id);
}

/** Role names the policy can list: the built-in account roles and every defined role. */
export async function policyRoleNames(): Promise<string[]> {
  const rows = await db().accessRole.findMany({ select: { name: true }, orderBy: { name: "asc" } });
  return [...new Set<string>(["admin", "operator", "helpdesk", ...rows.map((r) => r.name)])];
}

export async function totpRequiredFor(userId: string): Promise<boolean> {
  const { totpRequiredRoles } = await securityPolicyGet();
  if (totpRequiredRoles.length === 0) return false;
  const roles = await userRoleNames(userId);
  return roles.some((r) => totpRequiredRoles.includes(r));
}

/**
 * Saves the policy. Users who now must use two-factor but have not enrolled are
 * signed out everywhere: their next sign-in sends them to enrolment first.
 */
export async function securityPolicySet(
  caller: Caller,
  input: z.infer<typeof SecurityPolicySchema>,
): Promise<SecurityPolicyView & { signedOut: number }> {
  const before = await securityPolicyGet();
  const mine = await userRoleNames(caller.principal.user.id);
  if (mine.some((r) => input.totpRequiredRoles.includes(r)) && !(await totpEnabled(caller.principal.user.id))) {
    throw new AppError(
      "conflict",
      "Turn on two-factor authentication for your own account first: this policy applies to you",
    );
  }
  const row = await db().securityPolicy.upsert({
    where: { id: 1 },
    create: {
      id: 1,
      totpRequiredRoles: input.totpRequiredRoles,
      apiTokenMaxDays: input.apiTokenMaxDays,
      shareLinkMaxHours: input.shareLinkMaxHours,
      updatedById: caller.principal.user.id,
    },
    update: {
      totpRequiredRoles: input.totpRequiredRoles,
      apiTokenMaxDays: input.apiTokenMaxDays,
      shareLinkMaxHours: input.shareLinkMaxHours,
      updatedAt: new Date(),
      updatedById: caller.principal.user.id,
    },
  });
  let signedOut = 0;
  for (const id of await usersMissingTotp(input.totpRequiredRoles)) signedOut += await sessionRevokeAllForUser(id);
  await auditBy(caller, {
    action: "security.policy.update",
    target: { type: "policy", id: "security", name: "security policy" },
    details: {
      totpRequiredRoles: { from: before.totpRequiredRoles, to: row.totpRequiredRoles },
      apiTokenMaxDays: { from: before.apiTokenMaxDays, to: row.apiTokenMaxDays },
      shareLinkMaxHours: { from: before.shareLinkMaxHours, to: row.shareLinkMaxHours },
      sessionsEnded: signedOut,
    },
  });
  return {
    totpRequiredRoles: row.totpRequiredRoles,
    apiTokenMaxDays: row.apiTokenMaxDays,
    shareLinkMaxHours: row.shareLinkMaxHours,
    updatedAt: row.updatedAt.toISOString(),
    signedOut,
  };
}

export interface UserTotpRow {
  id: string;
  username: string;
  role: string;
  enabled: boolean;
}

/** Every user with whether two-factor is on, for the security page. */
export async function totpUsersList(): Promise<UserTotpRow[]> {
  const rows = await db().user.findMany({
    orderBy: { username: "asc" },
    select: { id: true, username: true, role: true, totp: { select: { enabledAt: true } } },
  });
  return rows.map((r) => ({ id: r.id, username: r.username, role: r.role, enabled: !!r.totp?.enabledAt }));
}
