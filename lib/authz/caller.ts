import type { AuditActor } from "@/lib/audit/audit";
import type { Principal } from "@/lib/authz/principal";

/**
 * The one identity every service takes: who is asking (the principal lib/authz decides on,
 * with an API token's or share link's limit), from where, and how audit rows name them.
 * Built once per request by the route wrapper (lib/http/route.ts), by the console websocket
 * and by the share-link routes; never from a session a service fabricates.
 */
export interface Caller {
  principal: Principal;
  ip: string;
  /** The audit identity: the user whose grants apply, named as audit rows and console holders show them. */
  actor: AuditActor & { id: string };
}

/**
 * The caller for a principal at an address. A share link acts as its creator but is named
 * "<creator> (share link)", so the audit log and the other people at a console can tell the
 * link from the creator; a session or token is named as its user.
 */
export function callerOf(principal: Principal, ip: string): Caller {
  const name = principal.kind === "share" ? `${principal.user.username} (share link)` : principal.user.username;
  return { principal, ip, actor: { id: principal.user.id, name } };
}
