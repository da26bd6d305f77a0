import "server-only";
import { AppError } from "@/lib/http/errors";
import { Prisma } from "@/lib/generated/prisma/client";
import { ACCOUNT_ROLE_GRANTS } from "@/lib/authz/authorize";

/**
 * Enabled users who hold user.manage globally: through their account role, a
 * global grant of their own, or a global grant of one of their groups. These
 * are the people who can repair access control.
 */
export async function globalAdminCount(tx: Pick<Prisma.TransactionClient, "$queryRaw">): Promise<number> {
  const rows = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "User" u
    WHERE NOT u.disabled AND (
      EXISTS (SELECT 1 FROM "AccessRole" r
              WHERE r.id = u.role::text AND u.role::text IN (${Prisma.join([...ACCOUNT_ROLE_GRANTS])}) AND 'user.manage' = ANY(r.privileges))
      OR EXISTS (SELECT 1 FROM "Grant" g JOIN "AccessRole" r ON r.id = g."roleId"
                 WHERE g.scope = 'global' AND 'user.manage' = ANY(r.privileges)
                   AND (g."userId" = u.id OR g."groupId" IN (SELECT m."groupId" FROM "GroupMember" m WHERE m."userId" = u.id))))`;
  return rows[0]?.n ?? 0;
}

/**
 * Run inside the transaction of a change, after it: refuses (rolling the
 * change back) when no enabled user would be left holding user.manage globally.
 */
export async function assertAdminRemains(tx: Pick<Prisma.TransactionClient, "$queryRaw">): Promise<void> {
  if ((await globalAdminCount(tx)) === 0) throw new AppError("conflict", "virtdeck needs at least one enabled admin");
}
