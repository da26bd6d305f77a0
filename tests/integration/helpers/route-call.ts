// Route handlers called in-process, as the browser (session cookie + CSRF header) or an API token
// (bearer) calls them, against the real database: what the authorization tests drive.
import { randomUUID } from "node:crypto";
import path from "node:path";
import { NextRequest } from "next/server";
import type { FleetContext } from "./fleet-stack";

const ROOT = path.resolve(import.meta.dirname, "../../..");
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** A user with a browser session: the cookie's token and the session's CSRF token. */
export interface Who {
  id: string;
  username: string;
  token: string;
  csrf: string;
}

/** Creates a user with the given account role (no password: sign-in is not the subject) and a session. */
export async function whoCreate(
  f: FleetContext,
  username: string,
  role: "admin" | "operator" | "helpdesk" = "helpdesk",
): Promise<Who> {
  const u = await f.mod.db.db().user.create({ data: { username, passwordHash: "x", role } });
  const s = await f.mod.session.sessionCreate(u.id, { ip: "127.0.0.9", userAgent: "vitest" });
  return { id: u.id, username, token: s.token, csrf: s.csrfToken };
}

/**
 * Calls `method` of app/api/<file>/route.ts as a session (cookie + CSRF) or, with `bearer`, as an API
 * token; `params` fill the [name] segments of the URL. The JSON body of the answer, {} when empty.
 */
export async function routeCall(
  as: Who | { bearer: string },
  method: string,
  file: string,
  params: Record<string, string> = {},
  body?: unknown,
  query = "",
) {
  const mod = (await import(/* @vite-ignore */ path.join(ROOT, "app/api", file, "route.ts"))) as Record<
    string,
    Handler
  >;
  let url = `http://127.0.0.1:3000/api/${file}`;
  for (const [k, v] of Object.entries(params)) url = url.replace(`[${k}]`, encodeURIComponent(v));
  const headers: Record<string, string> = { "x-virtdeck-peer": "127.0.0.9", "user-agent": "vitest" };
  if ("bearer" in as) headers.authorization = `Bearer ${as.bearer}`;
  else Object.assign(headers, { cookie: `vd_session=${as.token}`, "x-csrf-token": as.csrf });
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await mod[method](
    new NextRequest(url + query, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }),
    { params: Promise.resolve(params) },
  );
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, any>) : {} };
}

/** POST /api/grants as `as`: grants `roleId` at `scope` to a user or a group. */
export const grantPost = (
  as: Who,
  body: { subject: { kind: "user" | "group"; id: string }; roleId: string; scope: Record<string, string> },
) => routeCall(as, "POST", "grants", {}, body);

/** A task row owned by `owner` (kind vdtest.noop: no worker runs it), for visibility checks. */
export const noopTaskCreate = (
  f: FleetContext,
  owner: Who,
  o: { title: string; status: "queued" | "succeeded"; cancellable?: boolean },
) =>
  f.mod.db.db().task.create({
    data: { id: randomUUID(), kind: "vdtest.noop", userId: owner.id, username: owner.username, ...o },
  });
