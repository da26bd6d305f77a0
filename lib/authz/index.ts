/**
 * Access control: who may do what, where.
 *
 * Model (prisma/schema.prisma, "Access control"): a Grant gives one Role (a
 * named bundle of privileges) to one subject (a user or a group) at one scope:
 * global, a host (and every VM on it), one VM (host id + domain UUID), or every
 * VM carrying a tag. A user's effective privileges at a target are the union of
 * every grant covering it, their own and their groups'. User.role admin/operator
 * acts as a global grant of the built-in role of that name; helpdesk accounts
 * hold nothing until granted.
 *
 * The one decision function is `authorize(principal, privilege, target)`;
 * `authorizeOrThrow` is its assert form (403, or 404 when the caller may not
 * even see the target). lib/http/route.ts (userRoute), lib/http/page-guard.ts
 * (requirePageUser), the console ticket mint and websocket re-check, and the
 * live events stream all go through it; lists use `visibility()`, computed in
 * SQL. Nothing is cached across requests.
 *
 * Principal — who is asking (lib/authz/principal.ts):
 *
 *   interface Principal {
 *     kind: "session" | "token" | "share";
 *     user: { id; username };      // whose grants apply
 *     sessionId: string | null;    // browser session, when there is one
 *     limit?: { privileges?: Privilege[]; vm?: { hostId; vmUuid } };
 *   }
 *
 * Three kinds exist; a token's or share link's `limit` is intersected with the
 * user's own grants everywhere:
 *  - Browser session: `principalFromSession(session)`, no limit.
 *  - API token: `{ kind: "token", user: owner, sessionId: null, limit: { privileges: token's } }`
 *    (effective = owner's ∩ token's; refuse to mint a token whose privileges
 *    exceed `privilegesAnywhere(owner)`).
 *  - Console share link: `{ kind: "share", user: creator, sessionId: null,
 *    limit: { privileges: ["vm.view", "vm.console"], vm: { hostId, vmUuid } } }`
 *    (dies when the creator loses access to the VM).
 * Services never take a principal alone: they take a `Caller` (lib/authz/caller.ts:
 * principal + client address + audit actor), which route handlers receive as
 * `ctx.caller` (AuthedContext) and the console websocket builds at upgrade.
 */
export type { Principal } from "@/lib/authz/principal";
export { principalFromSession } from "@/lib/authz/principal";
export type { AuthzTarget, GrantFact, GrantVia, PrincipalLimit, Visibility } from "@/lib/authz/effective";
export { VISIBILITY_ALL, VISIBILITY_NONE, visibilityHas, visibilityHosts, vmKey } from "@/lib/authz/effective";
export {
  ACCOUNT_ROLE_GRANTS,
  accessDeniedRecord,
  accessSnapshot,
  authorize,
  authorizeGlobalOrThrow,
  authorizeMany,
  authorizeOrThrow,
  privilegesAnywhere,
  privilegesAt,
  privilegesForVms,
  userGrantFacts,
  visibility,
  visibilityFromGrants,
  type AuthzQuestion,
  type DeniedRequest,
} from "@/lib/authz/authorize";
