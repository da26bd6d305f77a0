import type { PrincipalLimit } from "@/lib/authz/effective";

/**
 * Who is asking. Every authorization decision takes a Principal, never a
 * session or a role: see lib/authz/index.ts for how other kinds plug in.
 */
export interface Principal {
  /** How the caller authenticated: a browser session, an API token, a console share link. */
  kind: "session" | "token" | "share";
  /** The user whose grants apply (for a token, its owner; for a share link, its creator). */
  user: { id: string; username: string };
  /** The browser session, when there is one (console tickets are bound to it). */
  sessionId: string | null;
  /** The API token (kind "token"): long-lived callers re-check it (lib/auth/caller-watch.ts). */
  tokenId?: string;
  /** The console share link (kind "share"): its consoles are re-checked through the link. */
  shareLinkId?: string;
  /** Upper bound on the user's grants: effective = user's ∩ limit (token privileges, share link VM). */
  limit?: PrincipalLimit;
}

/** The principal of a browser session (its id and user: lib/auth/session.ts ActiveSession fits). */
export function principalFromSession(session: { id: string; user: { id: string; username: string } }): Principal {
  return { kind: "session", user: { id: session.user.id, username: session.user.username }, sessionId: session.id };
}
