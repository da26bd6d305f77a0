import "server-only";
import QRCode from "qrcode";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import { auditBy } from "@/lib/audit/audit";
import { secretSeal } from "@/lib/crypto/secret-box";
import { passwordVerify } from "@/lib/auth/password";
import { sessionRevokeAllForUser } from "@/lib/auth/session";
import { auditOwnAccount, sealAad, secondFactorVerify } from "@/lib/auth/second-factor";
import { totpEnabled, totpRequiredFor } from "@/lib/auth/security-policy";
import {
  SecondFactorSchema,
  TotpCodeSchema,
  recoveryCodeHash,
  recoveryCodeNormalize,
  recoveryCodesGenerate,
  totpSecretDisplay,
  totpSecretGenerate,
  totpUri,
} from "@/lib/auth/totp";
import type { Caller } from "@/lib/authz/caller";

/**
 * Two-factor authentication for local users: TOTP enrolment, turning it off, recovery
 * codes, an administrator's reset. Verification (replay protection, rate limits) is
 * lib/auth/second-factor.ts; the policy naming the roles that must use it,
 * lib/auth/security-policy.ts. Every change and every failure is audited.
 */
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

export async function totpStatus(userId: string): Promise<TotpStatus> {
  const [row, left, required] = await Promise.all([
    db().userTotp.findUnique({ where: { userId }, select: { enabledAt: true } }),
    db().totpRecoveryCode.count({ where: { userId, usedAt: null } }),
    totpRequiredFor(userId),
  ]);
  return {
    enabled: !!row?.enabledAt,
    pending: !!row && !row.enabledAt,
    recoveryCodesLeft: row?.enabledAt ? left : 0,
    required,
  };
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
  const row = await db().userTotp.findUnique({
    where: { userId: caller.principal.user.id },
    select: { enabledAt: true },
  });
  if (!row) throw new AppError("conflict", "Start the set-up first");
  if (row.enabledAt) throw new AppError("conflict", "Two-factor authentication is already on");
  await secondFactorVerify(caller, code, { allowRecovery: false, pending: true, purpose: "enrol" });
  await db().userTotp.update({ where: { userId: caller.principal.user.id }, data: { enabledAt: new Date() } });
  const recoveryCodes = await replaceRecoveryCodes(caller.principal.user.id);
  await auditOwnAccount(caller, "auth.totp.enrol");
  return { recoveryCodes };
}

/** Turns TOTP off: needs the password and a current code, and is refused when the user's role requires it. */
export async function totpDisable(caller: Caller, input: z.infer<typeof TotpDisableSchema>): Promise<void> {
  if (!(await totpEnabled(caller.principal.user.id)))
    throw new AppError("conflict", "Two-factor authentication is not on");
  if (await totpRequiredFor(caller.principal.user.id)) {
    throw new AppError("forbidden", "Your role requires two-factor authentication: it cannot be turned off");
  }
  const pw = await db().user.findUnique({ where: { id: caller.principal.user.id }, select: { passwordHash: true } });
  if (!(await passwordVerify(pw?.passwordHash ?? null, input.password.normalize("NFC")))) {
    await auditOwnAccount(caller, "auth.totp.disable", { outcome: "failure", details: { reason: "bad_password" } });
    throw new AppError("invalid_input", "Password is wrong", {
      issues: [{ path: "password", message: "Password is wrong" }],
    });
  }
  await secondFactorVerify(caller, input.code, { allowRecovery: false, purpose: "disable" });
  await db().$transaction([
    db().totpRecoveryCode.deleteMany({ where: { userId: caller.principal.user.id } }),
    db().userTotp.delete({ where: { userId: caller.principal.user.id } }),
  ]);
  await auditOwnAccount(caller, "auth.totp.disable");
}

export async function recoveryCodesRegenerate(caller: Caller, code: string): Promise<{ recoveryCodes: string[] }> {
  if (!(await totpEnabled(caller.principal.user.id)))
    throw new AppError("conflict", "Two-factor authentication is not on");
  await secondFactorVerify(caller, code, { allowRecovery: false, purpose: "recovery_codes" });
  const recoveryCodes = await replaceRecoveryCodes(caller.principal.user.id);
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
  await auditBy(caller, { action: "auth.totp.reset", target: { type: "user", id: target.id, name: target.username } });
}
