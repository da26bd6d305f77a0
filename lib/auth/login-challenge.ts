import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { db } from "@/lib/db/client";
import type { LoginChallengeKind, Role } from "@/lib/generated/prisma/enums";

/**
 * The half-authenticated state between a correct password and the second
 * factor. It lives in PostgreSQL (any instance can finish the sign-in); the
 * browser holds a random token in an httpOnly cookie scoped to the login API,
 * the database only its SHA-256. No session exists until the challenge passes.
 */
export const CHALLENGE_COOKIE = "vd_login_challenge";
/** The cookie is sent only to the second-step endpoints. */
export const CHALLENGE_COOKIE_PATH = "/api/auth/login";
const TTL_MS = 5 * 60_000;
/** Wrong codes one challenge absorbs before the password must be entered again. */
export const CHALLENGE_MAX_ATTEMPTS = 5;

export interface LoginChallengeView {
  id: string;
  kind: LoginChallengeKind;
  attempts: number;
  user: { id: string; username: string; displayName: string; role: Role };
}

function tokenId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function loginChallengeCreate(
  userId: string,
  kind: LoginChallengeKind,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + TTL_MS);
  await db().loginChallenge.create({
    data: { id: tokenId(token), userId, kind, expiresAt, ip: meta.ip, userAgent: meta.userAgent.slice(0, 256) },
  });
  return { token, expiresAt };
}

/** A live challenge of an enabled user for this cookie token, or null. */
export async function loginChallengeLookup(token: string | undefined | null): Promise<LoginChallengeView | null> {
  if (!token || token.length > 128 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const row = await db().loginChallenge.findUnique({
    where: { id: tokenId(token) },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabled: true } } },
  });
  if (!row || row.usedAt || row.expiresAt.getTime() <= Date.now() || row.user.disabled) return null;
  if (row.attempts >= CHALLENGE_MAX_ATTEMPTS) return null;
  const { disabled: _d, ...user } = row.user;
  return { id: row.id, kind: row.kind, attempts: row.attempts, user };
}

/**
 * Counts one code attempt against the challenge before the code is checked, in
 * one conditional update, so concurrent requests cannot get more than
 * CHALLENGE_MAX_ATTEMPTS checks out of one challenge. False when it is spent.
 */
export async function loginChallengeAttempt(id: string): Promise<boolean> {
  const r = await db().loginChallenge.updateMany({
    where: { id, usedAt: null, attempts: { lt: CHALLENGE_MAX_ATTEMPTS }, expiresAt: { gt: new Date() } },
    data: { attempts: { increment: 1 } },
  });
  return r.count === 1;
}

/** Marks the challenge used; false when another request consumed it first. */
export async function loginChallengeConsume(id: string): Promise<boolean> {
  const r = await db().loginChallenge.updateMany({ where: { id, usedAt: null }, data: { usedAt: new Date() } });
  return r.count === 1;
}

/** Deletes challenges that ended more than a day ago. */
export async function loginChallengePurge(): Promise<number> {
  const cutoff = new Date(Date.now() - 86_400_000);
  const r = await db().loginChallenge.deleteMany({ where: { expiresAt: { lt: cutoff } } });
  return r.count;
}
