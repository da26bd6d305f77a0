import "server-only";
import { cache } from "react";
import { cookies, headers } from "next/headers";
import { db } from "@/lib/db/client";
import { SESSION_COOKIE, cookieName, cookieSecure, sessionLookup } from "@/lib/auth/session";
import { requestIsHttps } from "@/lib/http/client-address";
import type { Role } from "@/lib/generated/prisma/enums";

export interface CurrentUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  csrfToken: string;
  /** Session.id (hash of the cookie token), for lib/authz principals. */
  sessionId: string;
}

/** The signed-in user of this request (server components), or null. Cached per request. */
export const currentUser = cache(async (): Promise<CurrentUser | null> => {
  const jar = await cookies();
  const secure = cookieSecure(requestIsHttps(await headers()));
  const session = await sessionLookup(jar.get(cookieName(SESSION_COOKIE, secure))?.value);
  if (!session) return null;
  return { ...session.user, csrfToken: session.csrfToken, sessionId: session.id };
});

/** True until the first admin account has been created. */
export const needsSetup = cache(async (): Promise<boolean> => {
  return (await db().user.count()) === 0;
});
