import "server-only";
import { db } from "@/lib/db/client";
import { AppError } from "@/lib/http/errors";
import type { SessionUser } from "@/lib/auth/session";
import type { Caller } from "@/lib/authz/caller";

export interface CallerAccount {
  user: SessionUser;
  /** The browser session's CSRF token; "" for an API token (bearer requests need none). */
  csrfToken: string;
  /** When the session, or the API token, expires. */
  expiresAt: string;
}

/** Who the caller is signed in as (GET /api/auth/me): the user, and their session's or token's CSRF token and expiry. */
export async function callerAccount(caller: Caller): Promise<CallerAccount> {
  const { principal } = caller;
  const user = await db().user.findUnique({
    where: { id: principal.user.id },
    select: { id: true, username: true, displayName: true, role: true },
  });
  const holder = principal.sessionId
    ? await db().session.findUnique({
        where: { id: principal.sessionId },
        select: { csrfToken: true, expiresAt: true },
      })
    : principal.tokenId
      ? {
          csrfToken: "",
          ...(await db().apiToken.findUnique({ where: { id: principal.tokenId }, select: { expiresAt: true } })),
        }
      : null;
  if (!user || !holder?.expiresAt) throw new AppError("unauthorized", "Sign in first");
  return { user, csrfToken: holder.csrfToken, expiresAt: holder.expiresAt.toISOString() };
}
