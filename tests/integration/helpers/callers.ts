import { callerOf, type Caller } from "@/lib/authz/caller";
import { principalFromSession } from "@/lib/authz/principal";

/** The caller of a browser session (what the route wrapper builds for a cookie request). */
export function sessionCaller(
  session: { id: string; user: { id: string; username: string } },
  ip = "127.0.0.1",
): Caller {
  return callerOf(principalFromSession(session), ip);
}

export { callerOf };

/** A signed-in user's caller without a browser session (e.g. between password and second factor). */
export function userCaller(user: { id: string; username: string }, ip = "127.0.0.1"): Caller {
  return callerOf({ kind: "session", user: { id: user.id, username: user.username }, sessionId: null }, ip);
}
