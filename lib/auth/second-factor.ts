import "server-only";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { auditRecord, type AuditEntry } from "@/lib/audit/audit";
import { secretOpen } from "@/lib/crypto/secret-box";
import { rateLimitHit, rateLimitPeek, rateLimitReset } from "@/lib/auth/rate-limit";
import { looksLikeTotpCode, recoveryCodeHash, recoveryCodeNormalize, totpVerify } from "@/lib/auth/totp";
import type { Caller } from "@/lib/authz/caller";

/** Records what a user did to their own account's second factor (actor and target are the caller). */
export function auditOwnAccount(
  caller: Caller,
  action: string,
  more: Pick<AuditEntry, "outcome" | "details"> = {},
): Promise<void> {
  const { id, username } = caller.principal.user;
  return auditRecord({
    actor: caller.actor,
    action,
    target: { type: "user", id, name: username },
    ip: caller.ip,
    ...more,
  });
}

export function sealAad(userId: string): string {
  return `totp:${userId}`;
}

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
  const {
    VIRTDECK_TOTP_MAX_PER_ACCOUNT: maxAccount,
    VIRTDECK_TOTP_MAX_PER_IP: maxIp,
    VIRTDECK_LOGIN_WINDOW_SECONDS: window,
  } = env();
  const userId = caller.principal.user.id;
  const accountKey = `totp:account:${userId}`;
  const ipKey = `totp:ip:${caller.ip}`;

  // The account counter counts attempts, atomically, before the code is checked (a success resets it), so
  // concurrent guesses cannot slip past the limit; the address counter counts failures.
  const [attempts, addr] = await Promise.all([rateLimitHit(accountKey, window), rateLimitPeek(ipKey, window)]);
  if (attempts > maxAccount || addr.count >= maxIp) {
    const acct = await rateLimitPeek(accountKey, window);
    await auditOwnAccount(caller, "auth.totp.verify", {
      outcome: "denied",
      details: { reason: "rate_limited", purpose: opts.purpose },
    });
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
    await auditOwnAccount(caller, "auth.totp.verify", {
      outcome: "failure",
      details: { reason: "bad_code", purpose: opts.purpose },
    });
    throw new AppError("unauthorized", "The code is wrong or was already used");
  }
  await rateLimitReset(accountKey);
  if (method === "recovery") {
    const left = await db().totpRecoveryCode.count({ where: { userId, usedAt: null } });
    await auditOwnAccount(caller, "auth.totp.recovery_used", { details: { purpose: opts.purpose, left } });
  }
  return method;
}
