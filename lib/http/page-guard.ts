import "server-only";
import { forbidden, notFound, redirect } from "next/navigation";
import { currentUser, needsSetup, type CurrentUser } from "@/lib/http/current-user";
import { headers } from "next/headers";
import type { Privilege } from "@/lib/authz/privileges";
import { authorizeOrThrow, principalFromSession, type AuthzTarget, type Principal } from "@/lib/authz";
import { isAppError } from "@/lib/http/errors";
import { clientAddress } from "@/lib/http/client-address";

export interface PageUser extends CurrentUser {
  principal: Principal;
}

/**
 * For server-rendered pages: the signed-in user, redirecting to setup or sign-in
 * when needed, and checking `privilege` through lib/authz: globally, at
 * `target` (a host or VM; 404 when the user may not see it), or "anywhere"
 * (pages listing what the user may see). Answers 403 otherwise.
 */
export async function requirePageUser(
  privilege?: Privilege,
  page?: string,
  target?: AuthzTarget | "anywhere",
): Promise<PageUser> {
  if (await needsSetup()) redirect("/setup");
  const user = await currentUser();
  if (!user) redirect("/login");
  const principal = principalFromSession({ id: user.sessionId, user });
  if (privilege) {
    try {
      await authorizeOrThrow(principal, privilege, target, {
        ip: clientAddress(await headers()),
        method: "GET",
        path: page ?? "",
      });
    } catch (err) {
      if (isAppError(err) && err.code === "not_found") notFound();
      if (isAppError(err) && err.code === "forbidden") forbidden();
      throw err;
    }
  }
  return { ...user, principal };
}
