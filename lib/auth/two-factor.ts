import "server-only";
import QRCode from "qrcode";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { Prisma } from "@/lib/generated/prisma/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { auditRecord, type AuditEntry } from "@/lib/audit/audit";
import { secretOpen, secretSeal } from "@/lib/crypto/secret-box";
import { passwordVerify } from "@/lib/auth/password";
import { rateLimitHit, rateLimitPeek, rateLimitReset } from "@/lib/auth/rate-limit";
import { sessionRevokeAllForUser } from "@/lib/auth/session";
import {
  SecondFactorSchema,
  TotpCodeSchema,
  looksLikeTotpCode,
  recoveryCodeHash,
  recoveryCodeNormalize,
  recoveryCodesGenerate,
  totpSecretDisplay,
  totpSecretGenerate,
  totpUri,
  totpVerify,
} from "@/lib/auth/totp";

/**
 * Two-factor authentication for local users: TOTP enrolment, verification with
 * replay protection and rate limits, single-use recovery codes, and the policy
 * naming the roles that must use it. Every change and every failure is audited.
 */
interface Caller {
  user: { id: string; username: string };
  ip: string;
}

/** Records what a user did to their own account's second factor (actor and target are the caller). */
function auditOwnAccount(caller: Caller, action: string, more: Pick<AuditEntry, "outcome" | "details"> = {}): Promise<void> {
  const self = { id: caller.user.id, name: caller.user.username };
  return auditRecord({ actor: self, action, target: { type: "user", ...self }, ip: caller.ip, ...more });
}

export interface TotpStatus {
  enabled: boolean;
  /** An enrolment was started and awaits its first code. */
  pending: boolean;
  recoveryCodesLeft: number;
  /** The user's role must use two-factor: it cannot be turned off. */
  required: boolean;
}

export interface TotpEnrolment {
  secret: string;
  secretDisplay: string;
  uri: string;
  /** data: URL of an SVG QR code of `uri`. */
  qrDataUrl: string;
}

export const TotpConfirmSchema = z.object({ code: TotpCodeSchema }).strict();
export const TotpDisableSchema = z
  .object({ password: z.string({ error: "Password must be text" }).max(1024), code: TotpCodeSchema })
  .strict();
export const RecoveryRegenerateSchema = z.object({ code: TotpCodeSchema }).strict();
export const SecondFactorLoginSchema = z.object({ code: SecondFactorSchema }).strict();

const RoleNameSchema = z.string().regex(/^[a-z0-9_.-]{1,64}$/, "Unknown role");
export const SecurityPolicySchema = z
  .object({
    totpRequiredRoles: z.array(RoleNameSchema).max(100).transform((r) => [...new Set(r)].sort()),
    apiTokenMaxDays: z.number({ error: "Must be a number of days" }).int().min(1, "At least 1 day").max(3650, "At most 3650 days").optional(),
    /** Longest console share link, in hours (a year at most). */
    shareLinkMaxHours: z.number({ error: "Must be a number of hours" }).int().min(1, "At least 1 hour").max(8760, "At most 8760 hours").optional(),
  })
  .strict();

export interface SecurityPolicyView {
  totpRequiredRoles: string[];
  apiTokenMaxDays: number;
  shareLinkMaxHours: number;
  updatedAt: string | null;
}

function sealAad(userId: string): string {
  return `totp:${userId}`;
}

// ─── Policy ────────────────────────────────────────────────────────────────────

export async function securityPolicyGet(): Promise<SecurityPolicyView> {
  const row = await db().securityPolicy.findUnique({ where: { id: 1 } });
  return { totpRequiredRoles: row?.totpRequiredRoles ?? [], apiTokenMaxDays: row?.apiTokenMaxDays ?? 90, shareLinkMaxHours: row?.shareLinkMaxHours ?? 24, updatedAt: row?.updatedAt.toISOString() ?? null };
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
  const mine = await userRoleNames(caller.user.id);
  if (mine.some((r) => input.totpRequiredRoles.includes(r)) && !(await totpEnabled(caller.user.id))) {
    throw new AppError("conflict", "Turn on two-factor authentication for your own account first: this policy applies to you");
  }
  const row = await db().securityPolicy.upsert({
    where: { id: 1 },
    create: { id: 1, totpRequiredRoles: input.totpRequiredRoles, apiTokenMaxDays: input.apiTokenMaxDays, shareLinkMaxHours: input.shareLinkMaxHours, updatedById: caller.user.id },
    update: { totpRequiredRoles: input.totpRequiredRoles, apiTokenMaxDays: input.apiTokenMaxDays, shareLinkMaxHours: input.shareLinkMaxHours, updatedAt: new Date(), updatedById: caller.user.id },
  });
  let signedOut = 0;
  for (const id of await usersMissingTotp(input.totpRequiredRoles)) signedOut += await sessionRevokeAllForUser(id);
  await auditRecord({
    actor: { id: caller.user.id, name: caller.user.username },
    action: "security.policy.update",
    target: { type: "policy", id: "security", name: "security policy" },
    ip: caller.ip,
    details: {
      totpRequiredRoles: { from: before.totpRequiredRoles, to: row.totpRequiredRoles },
      apiTokenMaxDays: { from: before.apiTokenMaxDays, to: row.apiTokenMaxDays },
      shareLinkMaxHours: { from: before.shareLinkMaxHours, to: row.shareLinkMaxHours },
      sessionsEnded: signedOut,
    },
  });
  return { totpRequiredRoles: row.totpRequiredRoles, apiTokenMaxDays: row.apiTokenMaxDays, shareLinkMaxHours: row.shareLinkMaxHours, updatedAt: row.updatedAt.toISOString(), signedOut };
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

// ─── Status and enrolment ──────────────────────────────────────────────────────

export async function totpStatus(userId: string): Promise<TotpStatus> {
  const [row, left, required] = await Promise.all([
    db().userTotp.findUnique({ where: { userId }, select: { enabledAt: true } }),
    db().totpRecoveryCode.count({ where: { userId, usedAt: null } }),
    totpRequiredFor(userId),
  ]);
  return { enabled: !!row?.enabledAt, pending: !!row && !row.enabledAt, recoveryCodesLeft: row?.enabledAt ? left : 0, required };
}

export async function totpEnabled(userId: string): Promise<boolean> {
  const row = await db().userTotp.findUnique({ where: { userId }, select: { enabledAt: true } });
  return !!row?.enabledAt;
}

/** Starts (or restarts) enrolment with a fresh secret; refused while TOTP is on. */
export async function totpEnrolStart(user: { id: string; username: string }): Promise<TotpEnrolment> {
  if (await totpEnabled(user.id)) throw new AppError("conflict", "Two-factor authentication is already on");
  const secret = totpSecretGenerate();
  const secretSealed = await secretSeal(secret, sealAad(user.id));
  await db().userTotp.upsert({
    where: { userId: user.id },
    create: { userId: user.id, secretSealed },
    update: { secretSealed, enabledAt: null, lastUsedStep: 0n, createdAt: new Date() },
  });
  const uri = totpUri(secret, user.username);
  const svg = await QRCode.toString(uri, { type: "svg", margin: 1, errorCorrectionLevel: "M" });
  return {
    secret,
    secretDisplay: totpSecretDisplay(secret),
    uri,
    qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString("base64")}`,
  };
}

async function replaceRecoveryCodes(userId: string): Promise<string[]> {
  const codes = recoveryCodesGenerate();
  await db().$transaction([
    db().totpRecoveryCode.deleteMany({ where: { userId } }),
    db().totpRecoveryCode.createMany({
      data: codes.map((c) => ({ userId, codeHash: recoveryCodeHash(userId, recoveryCodeNormalize(c)!) })),
    }),
  ]);
  return codes;
}

/** Confirms enrolment with a first code; returns the recovery codes (shown once). */
export async function totpEnrolConfirm(caller: Caller, code: string): Promise<{ recoveryCodes: string[] }> {
  const row = await db().userTotp.findUnique({ where: { userId: caller.user.id }, select: { enabledAt: true } });
  if (!row) throw new AppError("conflict", "Start the set-up first");
  if (row.enabledAt) throw new AppError("conflict", "Two-factor authentication is already on");
  await secondFactorVerify(caller, code, { allowRecovery: false, pending: true, purpose: "enrol" });
  await db().userTotp.update({ where: { userId: caller.user.id }, data: { enabledAt: new Date() } });
  const recoveryCodes = await replaceRecoveryCodes(caller.user.id);
  await auditOwnAccount(caller, "auth.totp.enrol");
  return { recoveryCodes };
}

/** Turns TOTP off: needs the password and a current code, and is refused when the user's role requires it. */
export async function totpDisable(caller: Caller, input: z.infer<typeof TotpDisableSchema>): Promise<void> {
  if (!(await totpEnabled(caller.user.id))) throw new AppError("conflict", "Two-factor authentication is not on");
  if (await totpRequiredFor(caller.user.id)) {
    throw new AppError("forbidden", "Your role requires two-factor authentication: it cannot be turned off");
  }
  const pw = await db().user.findUnique({ where: { id: caller.user.id }, select: { passwordHash: true } });
  if (!(await passwordVerify(pw?.passwordHash ?? null, input.password.normalize("NFC")))) {
    await auditOwnAccount(caller, "auth.totp.disable", { outcome: "failure", details: { reason: "bad_password" } });
    throw new AppError("invalid_input", "Password is wrong", { issues: [{ path: "password", message: "Password is wrong" }] });
  }
  await secondFactorVerify(caller, input.code, { allowRecovery: false, purpose: "disable" });
  await db().$transaction([
    db().totpRecoveryCode.deleteMany({ where: { userId: caller.user.id } }),
    db().userTotp.delete({ where: { userId: caller.user.id } }),
  ]);
  await auditOwnAccount(caller, "auth.totp.disable");
}

export async function recoveryCodesRegenerate(caller: Caller, code: string): Promise<{ recoveryCodes: string[] }> {
  if (!(await totpEnabled(caller.user.id))) throw new AppError("conflict", "Two-factor authentication is not on");
  await secondFactorVerify(caller, code, { allowRecovery: false, purpose: "recovery_codes" });
  const recoveryCodes = await replaceRecoveryCodes(caller.user.id);
  await auditOwnAccount(caller, "auth.totp.recovery_codes");
  return { recoveryCodes };
}

/** An administrator removes a user's authenticator (lost phone). The user's sessions end. */
export async function totpAdminReset(caller: Caller, userId: string): Promise<void> {
  const target = await db().user.findUnique({ where: { id: userId }, select: { id: true, username: true } });
  if (!target) throw new AppError("not_found", "Unknown user");
  const r = await db().userTotp.deleteMany({ where: { userId } });
  await db().totpRecoveryCode.deleteMany({ where: { userId } });
  if (r.count === 0) throw new AppError("conflict", "This user has no two-factor authentication");
  await sessionRevokeAllForUser(userId);
  await auditRecord({
    actor: { id: caller.user.id, name: caller.user.username },
    action: "auth.totp.reset",
    target: { type: "user", id: target.id, name: target.username },
    ip: caller.ip,
  });
}

// ─── Verification ──────────────────────────────────────────────────────────────

export type SecondFactorMethod = "totp" | "recovery";

/**
 * Checks a TOTP code (or, when allowed, a recovery code) for the user, under
 * per-account and per-address rate limits shared by every instance. A code's
 * time step is recorded atomically, so the same code never passes twice; a
 * recovery code is spent atomically. Throws unauthorized / rate_limited.
 */
export async function secondFactorVerify(
  caller: Caller,
  input: string,
  opts: { allowRecovery: boolean; pending?: boolean; purpose: string },
): Promise<SecondFactorMethod> {
  const { VIRTDECK_TOTP_MAX_PER_ACCOUNT: maxAccount, VIRTDECK_TOTP_MAX_PER_IP: maxIp, VIRTDECK_LOGIN_WINDOW_SECONDS: window } = env();
  const userId = caller.user.id;
  const accountKey = `totp:account:${userId}`;
  const ipKey = `totp:ip:${caller.ip}`;

  // The account counter counts attempts, atomically, before the code is checked (a success resets it), so
  // concurrent guesses cannot slip past the limit; the address counter counts failures.
  const [attempts, addr] = await Promise.all([rateLimitHit(accountKey, window), rateLimitPeek(ipKey, window)]);
  if (attempts > maxAccount || addr.count >= maxIp) {
    const acct = await rateLimitPeek(accountKey, window);
    await auditOwnAccount(caller, "auth.totp.verify", { outcome: "denied", details: { reason: "rate_limited", purpose: opts.purpose } });
    throw new AppError("rate_limited", "Too many wrong codes. Try again later.", {
      retryAfterSeconds: Math.max(acct.retryAfterSeconds, addr.retryAfterSeconds),
    });
  }

  let method: SecondFactorMethod | null = null;
  const row = await db().userTotp.findUnique({
    where: { userId },
    select: { secretSealed: true, enabledAt: true, lastUsedStep: true },
  });
  const usable = row && (opts.pending ? !row.enabledAt : !!row.enabledAt);
  if (usable && looksLikeTotpCode(input)) {
    const secret = await secretOpen(row.secretSealed, sealAad(userId));
    const step = totpVerify(secret, input.replace(/\s+/g, ""), Date.now(), Number(row.lastUsedStep));
    if (step !== null) {
      // Conditional update: of two concurrent requests with the same code, one wins.
      const won = await db().userTotp.updateMany({
        where: { userId, lastUsedStep: { lt: BigInt(step) } },
        data: { lastUsedStep: BigInt(step) },
      });
      if (won.count === 1) method = "totp";
    }
  } else if (usable && opts.allowRecovery) {
    const normalized = recoveryCodeNormalize(input);
    if (normalized) {
      const spent = await db().totpRecoveryCode.updateMany({
        where: { userId, codeHash: recoveryCodeHash(userId, normalized), usedAt: null },
        data: { usedAt: new Date() },
      });
      if (spent.count === 1) method = "recovery";
    }
  }

  if (!method) {
    await rateLimitHit(ipKey, window);
    await auditOwnAccount(caller, "auth.totp.verify", { outcome: "failure", details: { reason: "bad_code", purpose: opts.purpose } });
    throw new AppError("unauthorized", "The code is wrong or was already used");
  }
  await rateLimitReset(accountKey);
  if (method === "recovery") {
    const left = await db().totpRecoveryCode.count({ where: { userId, usedAt: null } });
    await auditOwnAccount(caller, "auth.totp.recovery_used", { details: { purpose: opts.purpose, left } });
  }
  return method;
}
