import "server-only";
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { db } from "@/lib/db/client";
import { env } from "@/lib/env";
import type { Role } from "@/lib/generated/prisma/enums";

/**
 * Server-side sessions. The browser holds a random token in an httpOnly cookie;
 * the database holds only its SHA-256, so a leaked table cannot be replayed.
 */
export const SESSION_COOKIE = "vd_session";

/** Refresh lastSeen/expiry at most this often, to avoid a write per request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SessionUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
}

export interface ActiveSession {
  id: string;
  csrfToken: string;
  expiresAt: Date;
  user: SessionUser;
}

function tokenId(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

function ttlMs(): number {
  return env().VIRTDECK_SESSION_HOURS * 3600_000;
}

export async function sessionCreate(
  userId: string,
  meta: { ip: string; userAgent: string },
): Promise<{ token: string; expiresAt: Date; csrfToken: string }> {
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + ttlMs());
  await db().session.create({
    data: {
      id: tokenId(token),
      userId,
      csrfToken,
      expiresAt,
      ip: meta.ip,
      userAgent: meta.userAgent.slice(0, 256),
    },
  });
  return { token, expiresAt, csrfToken };
}

/** Resolves a cookie token to a live session of an enabled user, or null. */
export async function sessionLookup(token: string | undefined | null): Promise<ActiveSession | null> {
  if (!token || token.length > 128 || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
  const id = tokenId(token);
  const row = await db().session.findUnique({
    where: { id },
    include: { user: { select: { id: true, username: true, displayName: true, role: true, disabled: true } } },
  });
  const now = Date.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now || row.user.disabled) return null;
  let expiresAt = row.expiresAt;
  if (now - row.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    expiresAt = new Date(now + ttlMs());
    await db().session.update({ where: { id }, data: { lastSeenAt: new Date(now), expiresAt } });
  }
  const { disabled: _disabled, ...user } = row.user;
  return { id, csrfToken: row.csrfToken, expiresAt, user };
}

/** True while the session (by its id) is unrevoked, unexpired and its user enabled: for long-lived streams. */
export async function sessionActive(sessionId: string): Promise<boolean> {
  const row = await db().session.findUnique({
    where: { id: sessionId },
    select: { revokedAt: true, expiresAt: true, user: { select: { disabled: true } } },
  });
  return !!row && !row.revokedAt && row.expiresAt.getTime() > Date.now() && !row.user.disabled;
}

export async function sessionRevoke(sessionId: string): Promise<void> {
  await db().session.updateMany({ where: { id: sessionId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Ends every session of a user (disable, password reset), optionally keeping the caller's own. */
export async function sessionRevokeAllForUser(userId: string, keepSessionId?: string): Promise<number> {
  const r = await db().session.updateMany({
    where: { userId, revokedAt: null, ...(keepSessionId ? { id: { not: keepSessionId } } : {}) },
    data: { revokedAt: new Date() },
  });
  return r.count;
}

/** Deletes sessions that expired or were revoked more than a day ago. */
export async function sessionPurge(): Promise<number> {
  const cutoff = new Date(Date.now() - 86_400_000);
  const r = await db().session.deleteMany({
    where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] },
  });
  return r.count;
}

export function csrfTokenMatches(expected: string, given: string | null): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function sessionCookieOptions(expiresAt: Date, secure: boolean) {
  return { httpOnly: true, sameSite: "lax" as const, path: "/", secure, expires: expiresAt };
}

/**
 * The name of a cookie of ours: `__Host-<base>` when it is Secure (the browser then
 * takes it only from HTTPS, with Path=/ and no Domain, so neither a sibling
 * subdomain nor plain-HTTP traffic can plant or shadow it); `<base>` over plain HTTP.
 * The same request scheme decides the name that is set and the name that is read.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export function cookieSecure(requestIsHttps: boolean): boolean {
  const mode = env().VIRTDECK_COOKIE_SECURE;
  return mode === "auto" ? requestIsHttps : mode === "true";
}
