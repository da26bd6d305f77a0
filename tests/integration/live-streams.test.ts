// Live-update streams (/api/tasks/stream, /api/events) through their real route handlers on a real
// database: a stream ends within ~3 s once its caller is signed out, disabled, or their API token is
// revoked (each re-checked every 2 s), and a user holds at most VIRTDECK_MAX_STREAMS_PER_USER streams.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { testDatabase, testDbKind, type TestDatabase } from "./helpers/test-database";
import { sessionCaller } from "./helpers/callers";

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ip = "127.0.0.41";
let tdb: TestDatabase;
let m: {
  db: typeof import("@/lib/db/client");
  login: typeof import("@/lib/auth/login");
  session: typeof import("@/lib/auth/session");
  users: typeof import("@/lib/users/users");
  tokens: typeof import("@/lib/auth/api-tokens");
  authz: typeof import("@/lib/authz");
};
let tasksStream: Handler;
let events: Handler;
let adminToken = "";

interface Creds {
  cookie?: string;
  bearer?: string;
}

interface Opened {
  res: Response;
  abort: AbortController;
  /** Resolves when the server ends the stream: the text it sent and when it ended. */
  ended: Promise<{ text: string; at: number }>;
}

/** Opens a stream as a browser (cookie) or a script (bearer token) would, and reads it to its end. */
async function open(handler: Handler, path: string, creds: Creds): Promise<Opened> {
  const abort = new AbortController();
  const headers: Record<string, string> = { "x-virtdeck-peer": ip, accept: "text/event-stream" };
  if (creds.cookie) headers.cookie = `vd_session=${creds.cookie}`;
  if (creds.bearer) headers.authorization = `Bearer ${creds.bearer}`;
  const res = await handler(new NextRequest(`http://127.0.0.1:3000${path}`, { headers, signal: abort.signal }), { params: Promise.resolve({}) });
  const ended =
    res.status === 200
      ? (async () => {
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          let text = "";
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return { text, at: Date.now() };
            text += decoder.decode(value, { stream: true });
          }
        })()
      : Promise.resolve({ text: "", at: Date.now() });
  return { res, abort, ended };
}

async function user(username: string, role: "operator" | "helpdesk") {
  const admin = sessionCaller((await m.session.sessionLookup(adminToken))!, ip);
  await m.users.userCreate(admin, m.users.UserCreateSchema.parse({ username, password: `${username} password 1`, role }));
  const token = (await m.login.login({ username, password: `${username} password 1` }, { ip, userAgent: "vitest" })).token;
  const session = (await m.session.sessionLookup(token))!;
  return { token, session, id: session.user.id };
}

async function apiToken(sessionToken: string, name: string) {
  const session = (await m.session.sessionLookup(sessionToken))!;
  const caller = sessionCaller(session, ip);
  const created = await m.tokens.apiTokenCreate(caller, { name, expiresInDays: 1, privileges: ["vm.view"] });
  return { token: created.token, id: created.view.id, caller };
}

const ENDED_WITHIN_MS = 3_000;

beforeAll(async () => {
  tdb = await testDatabase();
  m = {
    db: await import("@/lib/db/client"),
    login: await import("@/lib/auth/login"),
    session: await import("@/lib/auth/session"),
    users: await import("@/lib/users/users"),
    tokens: await import("@/lib/auth/api-tokens"),
    authz: await import("@/lib/authz"),
  };
  await m.db.prepareDatabase();
  adminToken = (await m.login.setupFirstAdmin(m.login.SetupSchema.parse({ username: "admin", password: "streams admin pw" }), { ip, userAgent: "vitest" })).token;
  tasksStream = (await import("@/app/api/tasks/stream/route")).GET as Handler;
  events = (await import("@/app/api/events/route")).GET as Handler;
});

afterAll(async () => {
  const { fleetCloseAll } = await import("@/lib/fleet/runtime");
  fleetCloseAll();
  await tdb?.drop();
});

describe(`live-update streams on ${testDbKind()}`, () => {
  it("ends the tasks stream within 3 s of its session being signed out", async () => {
    const u = await user("stream.signout", "operator");
    const s = await open(tasksStream, "/api/tasks/stream", { cookie: u.token });
    expect(s.res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await m.session.sessionRevoke(u.session.id);
    const end = await s.ended;
    expect(end.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(end.text).toContain('event: end\ndata: {"reason":"signed out"}');
    // Reconnecting is refused.
    expect((await open(tasksStream, "/api/tasks/stream", { cookie: u.token })).res.status).toBe(401);
  });

  it("ends the tasks stream within 3 s of its user being disabled, and an API token's when it is revoked", async () => {
    const u = await user("stream.disabled", "operator");
    const byToken = await apiToken(u.token, "tasks script");
    const s = await open(tasksStream, "/api/tasks/stream", { cookie: u.token });
    const t = await open(tasksStream, "/api/tasks/stream", { bearer: byToken.token });
    expect([s.res.status, t.res.status]).toEqual([200, 200]);

    let t0 = Date.now();
    await m.tokens.apiTokenRevoke(byToken.caller, byToken.id);
    const tokenEnd = await t.ended;
    expect(tokenEnd.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(tokenEnd.text).toContain('"reason":"API token revoked"');

    // Disabled straight in the database, sessions left as they are: the stream must notice the account itself.
    t0 = Date.now();
    await m.db.db().user.update({ where: { id: u.id }, data: { disabled: true } });
    const end = await s.ended;
    expect(end.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(end.text).toContain('"reason":"account disabled"');
  });

  it("ends the events stream within 3 s of its API token being revoked (and a browser's on sign-out)", async () => {
    const u = await user("stream.events", "helpdesk");
    const byToken = await apiToken(adminToken, "events script");
    const t = await open(events, "/api/events", { bearer: byToken.token });
    const s = await open(events, "/api/events", { cookie: u.token });
    expect([t.res.status, s.res.status]).toEqual([200, 200]);
    await new Promise((r) => setTimeout(r, 500));

    let t0 = Date.now();
    await m.tokens.apiTokenRevoke(byToken.caller, byToken.id);
    const tokenEnd = await t.ended;
    expect(tokenEnd.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(tokenEnd.text).toContain('"reason":"API token revoked"');
    expect((await open(events, "/api/events", { bearer: byToken.token })).res.status).toBe(401);

    t0 = Date.now();
    await m.session.sessionRevoke(u.session.id);
    const end = await s.ended;
    expect(end.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(end.text).toContain('"reason":"signed out"');
  });

  it("refuses a user's 11th stream (429) while 10 are open, over sessions and tokens, and takes one again once one closes", async () => {
    const u = await user("stream.many", "operator");
    const byToken = await apiToken(u.token, "many streams");
    const opened: Opened[] = [];
    try {
      for (let i = 0; i < 4; i++) opened.push(await open(tasksStream, "/api/tasks/stream", { cookie: u.token }));
      for (let i = 0; i < 4; i++) opened.push(await open(events, "/api/events", { cookie: u.token }));
      for (let i = 0; i < 2; i++) opened.push(await open(events, "/api/events", { bearer: byToken.token }));
      expect(opened.map((o) => o.res.status)).toEqual(opened.map(() => 200));

      const refused = [await open(tasksStream, "/api/tasks/stream", { cookie: u.token }), await open(events, "/api/events", { bearer: byToken.token })];
      expect(refused.map((r) => r.res.status)).toEqual([429, 429]);
      const body = (await refused[0].res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("rate_limited");
      expect(body.error.message).toMatch(/10 live-update streams/);
      // Another user is not affected.
      const other = await open(tasksStream, "/api/tasks/stream", { cookie: adminToken });
      expect(other.res.status).toBe(200);
      opened.push(other);

      // One closes (the browser goes away): room for one more.
      const gone = opened.shift()!;
      gone.abort.abort();
      await gone.ended;
      const again = await open(tasksStream, "/api/tasks/stream", { cookie: u.token });
      expect(again.res.status).toBe(200);
      opened.push(again);
    } finally {
      for (const o of opened) o.abort.abort();
      await Promise.all(opened.map((o) => o.ended));
    }
  });
});
