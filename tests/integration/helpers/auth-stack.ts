// Shared setup for the sign-in and account tests: a fresh database with its schema, and the auth,
// user and audit modules, imported only after the test file has set its environment.
import { testDatabase, type TestDatabase } from "./test-database";

export interface AuthModules {
  db: typeof import("@/lib/db/client");
  login: typeof import("@/lib/auth/login");
  challenge: typeof import("@/lib/auth/login-challenge");
  session: typeof import("@/lib/auth/session");
  tf: typeof import("@/lib/auth/two-factor");
  policy: typeof import("@/lib/auth/security-policy");
  users: typeof import("@/lib/users/users");
  audit: typeof import("@/lib/audit/audit");
}

export async function authStackStart(): Promise<{ tdb: TestDatabase; mod: AuthModules }> {
  const tdb = await testDatabase();
  const mod: AuthModules = {
    db: await import("@/lib/db/client"),
    login: await import("@/lib/auth/login"),
    challenge: await import("@/lib/auth/login-challenge"),
    session: await import("@/lib/auth/session"),
    tf: await import("@/lib/auth/two-factor"),
    policy: await import("@/lib/auth/security-policy"),
    users: await import("@/lib/users/users"),
    audit: await import("@/lib/audit/audit"),
  };
  await mod.db.prepareDatabase();
  return { tdb, mod };
}

/** The last 200 audit events, newest first, as "action:outcome:targetName". */
export async function auditLines(mod: AuthModules): Promise<string[]> {
  const { events } = await mod.audit.auditList(mod.audit.AuditQuerySchema.parse({ limit: 200 }));
  return events.map((e) => `${e.action}:${e.outcome}:${e.targetName}`);
}
