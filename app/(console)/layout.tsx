import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { AppShell } from "@/components/shell/app-shell";
import { currentUser, needsSetup } from "@/lib/http/current-user";
import { appVersion } from "@/lib/version";
import { accessSnapshot, principalFromSession } from "@/lib/authz";

/**
 * Every signed-in page renders inside this shell. The checks here only route
 * people to the right place; pages and route handlers enforce access themselves
 * (a layout is not re-run on every client-side navigation).
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  // Session first: it reads the cookie (which also keeps this layout out of
  // build-time prerendering) and spares signed-in users the setup query.
  const user = await currentUser();
  if (!user) redirect((await needsSetup()) ? "/setup" : "/login");
  // Navigation only: every page and route checks access itself through lib/authz.
  const principal = principalFromSession({ id: user.sessionId, user });
  const access = await accessSnapshot(principal);
  const [globalPrivileges, anyPrivileges] = [await access.at(), access.anywhere()];
  return (
    <>
      {/* fetchJson reads the CSRF token from here (CSRF_META; React hoists the tag into <head>). */}
      <meta name="csrf-token" content={user.csrfToken} />
      <AppShell
        user={{
          username: user.username,
          displayName: user.displayName,
          role: user.role,
          globalPrivileges: [...globalPrivileges],
          anyPrivileges: [...anyPrivileges],
        }}
        version={appVersion()}
      >
        {children}
      </AppShell>
    </>
  );
}
