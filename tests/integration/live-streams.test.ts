// Live-update streams (/api/tasks/stream, /api/events) through their real route handlers on a real
// database: a stream ends within ~3 s once its caller is signed out, disabled, or their API token is
// revoked or expires (all re-checked by one loop, every second), and a user holds at most VIRTDECK_MAX_STREAMS_PER_USER streams.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
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
  /** What the server sent so far. */
  sofar: () => string;
}

/** Opens a stream as a browser (cookie) or a script (bearer token) would, and reads it to its end. */
async function open(handler: Handler, path: string, creds: Creds): Promise<Opened> {
  const abort = new AbortController();
  const headers: Record<string, string> = { "x-virtdeck-peer": ip, accept: "text/event-stream" };
  if (creds.cookie) headers.cookie = `vd_session=${creds.cookie}`;
  if (creds.bearer) headers.authorization = `Bearer ${creds.bearer}`;
  const res = await handler(new NextRequest(`http://127.0.0.1:3000${path}`, { headers, signal: abort.signal }), {
    params: Promise.resolve({}),
  });
  let text = "";
  const ended =
    res.status === 200
      ? (async () => {
          const reader = res.body!.getReader();
          const decoder = new TextDecoder();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return { text, at: Date.now() };
            text += decoder.decode(value, { stream: true });
          }
        })()
      : Promise.resolve({ text: "", at: Date.now() });
  return { res, abort, ended, sofar: () => text };
}

async function user(username: string, role: "operator" | "helpdesk") {
  const admin = sessionCaller((await m.session.sessionLookup(adminToken))!, ip);
  await m.users.userCreate(
    admin,
    m.users.UserCreateSchema.parse({ username, password: `${username} password 1`, role }),
  );
  const token = (await m.login.login({ username, password: `${username} password 1` }, { ip, userAgent: "vitest" }))
    .token;
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
  adminToken = (
    await m.login.setupFirstAdmin(m.login.SetupSchema.parse({ username: "admin", password: "streams admin pw" }), {
      ip,
      userAgent: "vitest",
    })
  ).token;
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

  it("ends the tasks stream within 3 s of its API token expiring while it is open", async () => {
    const u = await user("stream.expiry", "operator");
    const byToken = await apiToken(u.token, "expiring tasks script");
    const t = await open(tasksStream, "/api/tasks/stream", { bearer: byToken.token });
    expect(t.res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    await m.db.db().apiToken.update({ where: { id: byToken.id }, data: { expiresAt: new Date(Date.now() - 1_000) } });
    const end = await t.ended;
    expect(end.at - t0).toBeLessThan(ENDED_WITHIN_MS);
    expect(end.text).toContain('"reason":"API token expired"');
    expect((await open(tasksStream, "/api/tasks/stream", { bearer: byToken.token })).res.status).toBe(401);
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

  it("applies a revoked VM grant to an open events stream: the VM is dropped (vm: null) within 3 s", async () => {
    const u = await user("stream.visible", "helpdesk");
    // A host row only (never reached: its watcher fails to connect, which this test does not look at).
    const hostId = "5e1f0c2a-4b7d-4c8e-9f10-1a2b3c4d5e6f";
    const vmUuid = "0b6c1d2e-3f40-4a51-8b62-7c83d94ea5f6";
    await m.db.db().host.create({
      data: {
        id: hostId,
        name: "stream-visible-host",
        address: "127.0.0.1",
        port: 1,
        username: "nobody",
        privateKeySealed: "x",
        publicKey: "x",
      },
    });
    const grant = await m.db
      .db()
      .grant.create({ data: { userId: u.id, roleId: "viewer", scope: "vm", hostId, vmUuid } });
    const s = await open(events, "/api/events", { cookie: u.token });
    expect(s.res.status).toBe(200);
    try {
      await new Promise((r) => setTimeout(r, 500));
      const t0 = Date.now();
      await m.db.db().grant.delete({ where: { id: grant.id } });
      const dropped = `event: vm\ndata: ${JSON.stringify({ hostId, uuid: vmUuid, vm: null })}`;
      while (!s.sofar().includes(dropped) && Date.now() - t0 < ENDED_WITHIN_MS)
        await new Promise((r) => setTimeout(r, 50));
      expect(s.sofar()).toContain(dropped);
      // The stream's visible set was replaced: later ticks do not drop it again (nor carry it).
      await new Promise((r) => setTimeout(r, 2_500));
      expect(s.sofar().split(dropped).length - 1).toBe(1);
    } finally {
      s.abort.abort();
      await s.ended;
    }
  });

  it("applies a lost user.manage to an open tasks stream: everyone's tasks stop arriving within 3 s, the caller's own still do", async () => {
    const boss = await user("stream.boss", "operator");
    const other = await user("stream.worker", "operator");
    await m.db.db().user.update({ where: { id: boss.id }, data: { role: "admin" } });
    const s = await open(tasksStream, "/api/tasks/stream", { cookie: boss.token });
    expect(s.res.status).toBe(200);
    const taskOf = async (owner: { id: string; session: { user: { username: string } } }, title: string) =>
      (
        await m.db.db().task.create({
          data: {
            id: randomUUID(),
            kind: "test.none",
            title,
            status: "running",
            userId: owner.id,
            username: owner.session.user.username,
          },
        })
      ).id;
    const arrives = async (id: string, withinMs: number) => {
      const t0 = Date.now();
      while (!s.sofar().includes(id) && Date.now() - t0 < withinMs) await new Promise((r) => setTimeout(r, 50));
      return s.sofar().includes(id);
    };
    try {
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await arrives(await taskOf(other, "seen by the admin"), 5_000)).toBe(true);
      await m.db.db().user.update({ where: { id: boss.id }, data: { role: "operator" } });
      await new Promise((r) => setTimeout(r, ENDED_WITHIN_MS));
      const hidden = await taskOf(other, "not for a former admin");
      const own = await taskOf(boss, "still their own");
      expect(await arrives(own, 5_000)).toBe(true);
      expect(s.sofar()).not.toContain(hidden);
    } finally {
      s.abort.abort();
      await s.ended;
    }
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

      const refused = [
        await open(tasksStream, "/api/tasks/stream", { cookie: u.token }),
        await open(events, "/api/events", { bearer: byToken.token }),
      ];
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
