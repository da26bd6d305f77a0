import "server-only";
import { z } from "zod";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import { DisplayNameSchema, PasswordSchema, UsernameSchema } from "@/lib/auth/credentials";
import { passwordHash, passwordVerify } from "@/lib/auth/password";
import { rateLimitHit, rateLimitPeek, rateLimitReset } from "@/lib/auth/rate-limit";
import { sessionCreate, sessionRevoke } from "@/lib/auth/session";
import { callerOf, type Caller } from "@/lib/authz/caller";
import {
  loginChallengeConsume,
  loginChallengeCreate,
  loginChallengeAttempt,
  type LoginChallengeView,
} from "@/lib/auth/login-challenge";
import { totpEnrolConfirm, totpEnrolStart, type TotpEnrolment } from "@/lib/auth/two-factor";
import { secondFactorVerify } from "@/lib/auth/second-factor";
import { totpEnabled, totpRequiredFor } from "@/lib/auth/security-policy";

export const LoginSchema = z.object({
  // Bounded before normalisation so a 1 MB username costs nothing.
  username: z.string({ error: "Username must be text" }).max(256, "Username is too long"),
  password: z.string({ error: "Password must be text" }).max(1024, "Password is too long"),
});

export const SetupSchema = z.object({
  username: UsernameSchema,
  displayName: DisplayNameSchema.default(""),
  password: PasswordSchema,
});

interface RequestMeta {
  ip: string;
  userAgent: string;
}

export interface LoginResult {
  token: string;
  csrfToken: string;
  expiresAt: Date;
  user: { id: string; username: string; role: string };
}

/**
 * Outcome of the password step: signed in, or a second step is needed (a TOTP
 * or recovery code, or TOTP enrolment when the user's role requires it) and a
 * login challenge was created instead of a session.
 */
export type LoginOutcome =
  | ({ step: "done" } & LoginResult)
  | {
      step: "totp" | "enrol";
      challengeToken: string;
      challengeExpiresAt: Date;
      user: { id: string; username: string };
    };

const INVALID = "Invalid username or password";
/** Failures a source may have on an account under attack before it is refused. */
const UNDER_ATTACK_FAILURES_PER_SOURCE = 2;

/**
 * Checks credentials under rate limits counted in PostgreSQL (so every instance
 * shares them), built so that guessing from one place never locks the real user
 * out from another:
 * - per (account, source address): attempts, at most VIRTDECK_LOGIN_MAX_PER_ACCOUNT
 *   in the window (a success resets it), counted before the password is checked so
 *   concurrent guesses cannot slip past;
 * - per source address: failures, at most VIRTDECK_LOGIN_MAX_PER_IP (any account);
 * - per account: failures from everywhere. Past VIRTDECK_LOGIN_MAX_PER_ACCOUNT the
 *   account is under attack and every source that already failed on it twice is
 *   refused (a fresh address gets two guesses: one typo is forgiven), while a source
 *   without failures, typing the right password, still signs in.
 * Every attempt is audited.
 */
export async function loginPassword(input: z.infer<typeof LoginSchema>, meta: RequestMeta): Promise<LoginOutcome> {
  const {
    VIRTDECK_LOGIN_MAX_PER_ACCOUNT: maxAccount,
    VIRTDECK_LOGIN_MAX_PER_IP: maxIp,
    VIRTDECK_LOGIN_WINDOW_SECONDS: window,
  } = env();
  const username = input.username.normalize("NFC").trim().toLowerCase();
  const accountKey = `login:account:${username}`;
  const ipKey = `login:ip:${meta.ip}`;
  const pairKey = `login:pair:${meta.ip}:${username}`;

  const [attempts, acct, addr] = await Promise.all([
    rateLimitHit(pairKey, window),
    rateLimitPeek(accountKey, window),
    rateLimitPeek(ipKey, window),
  ]);
  // Failures of this source on this account before this attempt (a success resets the count).
  const failedHere = attempts - 1 >= UNDER_ATTACK_FAILURES_PER_SOURCE;
  if (attempts > maxAccount || addr.count >= maxIp || (acct.count >= maxAccount && failedHere)) {
    const pair = await rateLimitPeek(pairKey, window);
    await auditRecord({
      actor: { id: null, name: username.slice(0, 64) },
      action: "auth.login",
      outcome: "denied",
      ip: meta.ip,
      details: { reason: "rate_limited" },
    });
    throw new AppError("rate_limited", "Too many failed sign-in attempts. Try again later.", {
      retryAfterSeconds: Math.max(
        pair.retryAfterSeconds,
        addr.count >= maxIp ? addr.retryAfterSeconds : 0,
        acct.count >= maxAccount && failedHere ? acct.retryAfterSeconds : 0,
      ),
    });
  }

  const user = await db().user.findUnique({
    where: { username },
    select: { id: true, username: true, role: true, disabled: true, passwordHash: true },
  });
  const ok = await passwordVerify(user?.passwordHash ?? null, input.password.normalize("NFC"));
  if (!user || !ok || user.disabled) {
    await Promise.all([rateLimitHit(accountKey, window), rateLimitHit(ipKey, window)]);
    await auditRecord({
      actor: { id: user?.id ?? null, name: username.slice(0, 64) },
      action: "auth.login",
      outcome: "failure",
      target: user ? { type: "user", id: user.id, name: user.username } : undefined,
      ip: meta.ip,
      details: { reason: !user ? "unknown_user" : !ok ? "bad_password" : "disabled" },
    });
    throw new AppError("unauthorized", user?.disabled && ok ? "This account is disabled" : INVALID);
  }

  // Only this source's count is cleared: other sources that failed on the account stay counted.
  await rateLimitReset(pairKey);
  const second = (await totpEnabled(user.id)) ? "totp" : (await totpRequiredFor(user.id)) ? "enrol" : null;
  if (second) {
    const c = await loginChallengeCreate(user.id, second, meta);
    return {
      step: second,
      challengeToken: c.token,
      challengeExpiresAt: c.expiresAt,
      user: { id: user.id, username: user.username },
    };
  }
  return { step: "done", ...(await loginFinish(user, meta)) };
}

/** Password-only sign-in, for callers that cannot go on to a second step: refuses accounts that need one. */
export async function login(input: z.infer<typeof LoginSchema>, meta: RequestMeta): Promise<LoginResult> {
  const r = await loginPassword(input, meta);
  if (r.step !== "done") throw new AppError("unauthorized", "This account needs a second factor to sign in");
  return r;
}

async function loginFinish(
  user: { id: string; username: string; role: LoginResult["user"]["role"] },
  meta: RequestMeta,
  details?: Record<string, unknown>,
): Promise<LoginResult> {
  const session = await sessionCreate(user.id, meta);
  await db().user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await auditRecord({
    actor: { id: user.id, name: user.username },
    action: "auth.login",
    target: { type: "user", id: user.id, name: user.username },
    ip: meta.ip,
    details,
  });
  return { ...session, user: { id: user.id, username: user.username, role: user.role } };
}

/** The user between password and second factor: no session exists yet, so no session id. */
function challengeCaller(challenge: LoginChallengeView, meta: RequestMeta): Caller {
  return callerOf(
    { kind: "session", user: { id: challenge.user.id, username: challenge.user.username }, sessionId: null },
    meta.ip,
  );
}

async function challengeSpend(challenge: LoginChallengeView): Promise<void> {
  if (!(await loginChallengeConsume(challenge.id)))
    throw new AppError("unauthorized", "This sign-in has expired: sign in again");
}

/** Takes one of the challenge's attempts before a code is checked. */
async function challengeAttempt(challenge: LoginChallengeView): Promise<void> {
  if (!(await loginChallengeAttempt(challenge.id)))
    throw new AppError("unauthorized", "This sign-in has expired: enter your password again");
}

/** Second step: a TOTP code or a recovery code finishes the sign-in. */
export async function loginSecondFactor(
  challenge: LoginChallengeView,
  code: string,
  meta: RequestMeta,
): Promise<LoginResult> {
  if (challenge.kind !== "totp") throw new AppError("conflict", "This sign-in needs two-factor enrolment, not a code");
  await challengeAttempt(challenge);
  const method = await secondFactorVerify(challengeCaller(challenge, meta), code, {
    allowRecovery: true,
    purpose: "login",
  });
  await challengeSpend(challenge);
  return loginFinish(challenge.user, meta, { secondFactor: method });
}

/** Enrolment required by the policy, before the first session: shows the secret. */
export async function loginEnrolStart(challenge: LoginChallengeView): Promise<TotpEnrolment> {
  if (challenge.kind !== "enrol") throw new AppError("conflict", "This sign-in does not need enrolment");
  return totpEnrolStart(challenge.user);
}

/** Confirms the policy-required enrolment with a first code and signs in; returns the recovery codes once. */
export async function loginEnrolConfirm(
  challenge: LoginChallengeView,
  code: string,
  meta: RequestMeta,
): Promise<LoginResult & { recoveryCodes: string[] }> {
  if (challenge.kind !== "enrol") throw new AppError("conflict", "This sign-in does not need enrolment");
  await challengeAttempt(challenge);
  const { recoveryCodes } = await totpEnrolConfirm(challengeCaller(challenge, meta), code);
  await challengeSpend(challenge);
  return { ...(await loginFinish(challenge.user, meta, { secondFactor: "enrol" })), recoveryCodes };
}

/** Ends the caller's browser session (an API token has none to end: only the audit row is written). */
export async function logout(caller: Caller): Promise<void> {
  if (caller.principal.sessionId) await sessionRevoke(caller.principal.sessionId);
  await auditRecord({
    actor: caller.actor,
    action: "auth.logout",
    target: { type: "user", id: caller.principal.user.id, name: caller.principal.user.username },
    ip: caller.ip,
  });
}

/**
 * Creates the first admin. Serialised with an advisory lock so two concurrent
 * setup requests (or two app instances) cannot both succeed.
 */
export async function setupFirstAdmin(input: z.infer<typeof SetupSchema>, meta: RequestMeta): Promise<LoginResult> {
  // Cheap check first, so posts after setup cost no argon2 work; the locked re-check below handles races.
  if ((await db().user.count()) > 0) throw new AppError("setup_done", "virtdeck is already set up: sign in instead");
  const hash = await passwordHash(input.password);
  const user = await db().$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7261001)`;
    if ((await tx.user.count()) > 0) throw new AppError("setup_done", "virtdeck is already set up: sign in instead");
    const created = await tx.user.create({
      data: { username: input.username, displayName: input.displayName, passwordHash: hash, role: "admin" },
    });
    await auditRecord(
      {
        actor: { id: created.id, name: created.username },
        action: "auth.setup",
        target: { type: "user", id: created.id, name: created.username },
        ip: meta.ip,
      },
      tx,
    );
    return created;
  });
  const session = await sessionCreate(user.id, meta);
  return { ...session, user: { id: user.id, username: user.username, role: user.role } };
}
