import { createServer, type Server } from "node:http";
import { NextRequest } from "next/server";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { PrivatePostgres } from "./helpers/fdb-cluster";
import { fleetSetup, until, type FleetContext, type HostView } from "../integration/helpers/fleet-stack";
import { domstate, GuestLab, virshSync, type Guest } from "../integration/helpers/fleet-guests";
import { stackEnv } from "../integration/helpers/stack-env";

/**
 * PostgreSQL outages on a cluster this file owns (stopped with `pg_ctl stop -m immediate`, started
 * again on the same port), the app's services in-process on it, a real guest on the stack's host1.
 * For each case: what the caller gets while the database is down, recovery without a restart once
 * it is back, and nothing left behind (no task stuck running, no queue job active, no unhandled
 * rejection).
 */
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const rejections: unknown[] = [];
const onRejection = (reason: unknown) => rejections.push(reason);
process.on("unhandledRejection", onRejection);

const cluster = new PrivatePostgres();
const lab = new GuestLab("dbout");
let f: FleetContext;
let host: HostView;
let guest: Guest;
let cookie: { token: string; csrf: string };
let routes: { vms: { GET: Handler }; action: { POST: Handler }; taskStream: { GET: Handler } };

/** Gates the test task waits on, and what its handler did, by task id. */
const gates = new Map<string, () => void>();
const handlerEnded = new Set<string>();
const cleanedUp = new Set<string>();

async function call(handler: Handler, method: string, path: string, body?: unknown, params = {}) {
  const headers: Record<string, string> = {
    "user-agent": "vitest",
    "x-virtdeck-peer": "127.0.0.9",
    cookie: `vd_session=${cookie.token}`,
    "x-csrf-token": cookie.csrf,
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(`http://127.0.0.1:3000${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

/** The custom server's page path (server.ts): the database-down check, then "Next" (here a stub). */
let pages: Server;
let pagesPort = 0;
async function pageGet(path: string, lang: string) {
  const res = await fetch(`http://127.0.0.1:${pagesPort}${path}`, { headers: { "accept-language": lang } });
  return { status: res.status, text: await res.text() };
}

const destroy = () =>
  call(
    routes.action.POST,
    "POST",
    `/api/vms/${host.id}/${guest.uuid}/actions`,
    { action: "destroy" },
    {
      hostId: host.id,
      uuid: guest.uuid,
    },
  );
const listVms = () => call(routes.vms.GET, "GET", "/api/vms");

/** A raw connection to the app's database, outside the app's pool. */
async function rawClient(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: f.tdb.url });
  c.on("error", () => {}); // the outage ends it
  await c.connect();
  return c;
}

async function rawQuery<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  const c = await rawClient();
  try {
    return (await c.query(sql, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Waits until a statement matching `like` waits on a lock (the write the outage will end). */
const lockWaiter = (what: string, like: string) =>
  until(
    what,
    async () =>
      (
        await rawQuery<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1`,
          [like],
        )
      )[0].n > 0,
    { timeoutMs: 15_000, intervalMs: 100 },
  );

/** The task's queue job once it is no longer active. */
async function jobSettled(taskId: string): Promise<{ state: string }> {
  const [{ jobId }] = await rawQuery<{ jobId: string }>('SELECT "jobId" FROM "Task" WHERE id = $1', [taskId]);
  return until(
    "the queue job completes",
    async () => {
      const [row] = await rawQuery<{ state: string }>("SELECT state FROM pgboss.job WHERE id = $1", [jobId]);
      return row?.state !== "active" && row;
    },
    { timeoutMs: 20_000, intervalMs: 500 },
  );
}

beforeAll(async () => {
  await cluster.init();
  process.env.VD_TEST_DB = "postgres";
  process.env.VD_TEST_PG_URL = cluster.url;
  f = await fleetSetup();
  host = await f.addHost(stackEnv().host1, { pin: "db" });
  guest = lab.define("host1");
  const r = await f.mod.login.login(
    { username: "fleet.admin", password: "fleet admin pw" },
    { ip: "127.0.0.9", userAgent: "vitest" },
  );
  cookie = { token: r.token, csrf: r.csrfToken };
  routes = {
    vms: (await import("@/app/api/vms/route")) as never,
    action: (await import("@/app/api/vms/[hostId]/[uuid]/actions/route")) as never,
    taskStream: (await import("@/app/api/tasks/stream/route")) as never,
  };
  (await import("@/lib/tasks/registry")).taskHandlerRegister("test.db-outage", async (ctx) => {
    try {
      await ctx.progress(10, "working");
      await new Promise<void>((resolve) => gates.set(ctx.taskId, resolve));
      await ctx.log("the work is done");
      cleanedUp.add(ctx.taskId); // the handler's own cleanup, after its last log line
      return { done: true };
    } finally {
      handlerEnded.add(ctx.taskId);
    }
  });
  await (await import("@/lib/tasks/workers")).taskWorkersStart({ concurrency: 1, pollingIntervalSeconds: 0.5 });
  const { pageWhenDatabaseDown } = await import("@/lib/http/database-down-page");
  pages = createServer((req, res) => {
    void pageWhenDatabaseDown(req, res).then((answered) => answered || res.end("the page"));
  });
  await new Promise<void>((r) => pages.listen(0, "127.0.0.1", r));
  pagesPort = (pages.address() as { port: number }).port;
});

afterAll(async () => {
  process.off("unhandledRejection", onRejection);
  pages?.close();
  if (cluster.running()) {
    await (await import("@/lib/tasks/workers")).taskWorkersStop({ graceMs: 1000 }).catch(() => {});
  }
  const problems = await lab.cleanup();
  if (cluster.running()) await f?.teardown();
  cluster.destroy();
  expect(problems).toEqual([]);
});

// A failed case must not leave the next one without its database.
afterEach(async () => {
  if (cluster.running()) return;
  cluster.start();
  await until("the app reaches its database again", () => f.mod.db.databasePing(), { timeoutMs: 30_000 });
});

describe("PostgreSQL outage", () => {
  it("routes answer 503 naming the database while it is down, a destroy never reaches the host, and all answer again once it is back", async () => {
    virshSync("host1", ["start", guest.uuid]);
    expect((await listVms()).status).toBe(200);
    cluster.stop();

    const list = await listVms();
    expect(list.status).toBe(503);
    expect(list.json.error).toMatchObject({
      code: "database_unavailable",
      message: expect.stringMatching(/database \(PostgreSQL\) is unavailable/),
      messageKey: { key: "errors.databaseUnavailable" },
    });
    const page = await pageGet("/vms", "fr-FR,fr;q=0.9");
    expect(page.status).toBe(503);
    expect(page.text).toContain("La base de données est indisponible");
    expect((await pageGet("/", "en")).text).toContain("The database is unavailable");
    const stream = await call(routes.taskStream.GET, "GET", "/api/tasks/stream");
    expect(stream.status).toBe(503);
    expect(stream.json.error.code).toBe("database_unavailable");
    const refused = await destroy();
    expect(refused.status).toBe(503);
    expect(refused.json.error.code).toBe("database_unavailable");
    expect(domstate(guest)).toBe("running");

    cluster.start();
    const back = await until("the routes answer again", async () => (await listVms()).status === 200 || undefined, {
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    expect(back).toBe(true);
    expect(await pageGet("/vms", "fr")).toEqual({ status: 200, text: "the page" });
    expect(domstate(guest)).toBe("running");
  });

  it("a task whose work ends while the database is down records its true outcome once it is back, and its job completes", async () => {
    const tasks = await import("@/lib/tasks/tasks");
    const t = await tasks.taskEnqueue(f.caller, { kind: "test.db-outage", title: "ends during an outage", input: {} });
    await until("the task runs", () => gates.has(t.id), { timeoutMs: 15_000 });
    cluster.stop();
    gates.get(t.id)!();
    await until("the handler ends", () => handlerEnded.has(t.id), { timeoutMs: 10_000 });
    // A log line that could not be written did not abort the handler nor skip its cleanup.
    expect(cleanedUp.has(t.id)).toBe(true);
    await new Promise((r) => setTimeout(r, 1500)); // the outcome's first writes fail
    cluster.start();

    const done = await until(
      "the task's outcome is recorded",
      async () => {
        const v = await tasks.taskGet(f.caller, t.id);
        return v.status !== "running" && v;
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(done).toMatchObject({ status: "succeeded", error: null, result: { done: true }, progress: 100 });
    expect(done.logs.map((l) => l.line)).toContain("the work is done");
    // Even a sweep that takes any silent task for dead finds nothing of this instance to fail.
    const { taskSweepInterrupted } = await import("@/lib/tasks/liveness");
    expect(await taskSweepInterrupted({ staleAfterMs: 0 })).toEqual([]);
    expect((await jobSettled(t.id)).state).toBe("completed");
  });

  it("a task's queue job completes even when the database drops just as the task ends", async () => {
    const tasks = await import("@/lib/tasks/tasks");
    const t = await tasks.taskEnqueue(f.caller, { kind: "test.db-outage", title: "job ends in an outage", input: {} });
    await until("the task runs", () => gates.has(t.id), { timeoutMs: 15_000 });
    // The job's completion waits on a lock once the task's outcome is written; the outage then ends it.
    const locker = await rawClient();
    await locker.query("BEGIN; LOCK TABLE pgboss.job IN ACCESS EXCLUSIVE MODE");
    gates.get(t.id)!();
    await lockWaiter("the job's completion waits on the lock", "%completed%");
    const [{ status }] = await rawQuery<{ status: string }>('SELECT status FROM "Task" WHERE id = $1', [t.id]);
    expect(status).toBe("succeeded");
    cluster.stop();
    await locker.end().catch(() => {});
    await new Promise((r) => setTimeout(r, 1500));
    cluster.start();
    expect((await jobSettled(t.id)).state).toBe("completed");
  });

  it("a destroy that reached libvirt as the database went down answers done, and is audited once it is back", async () => {
    expect(domstate(guest)).toBe("running");
    // The audit write waits on a lock while the destroy runs; the outage then ends that write.
    const locker = await rawClient();
    await locker.query('BEGIN; LOCK TABLE "AuditEvent" IN ACCESS EXCLUSIVE MODE');
    const answer = destroy();
    await until("libvirt destroyed the guest", () => domstate(guest) === "shut off", {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    await lockWaiter("the audit write waits on the lock", "%AuditEvent%");
    cluster.stop();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(res.json.vm).toMatchObject({ uuid: guest.uuid });
    await locker.end().catch(() => {});

    cluster.start();
    const audited = await until(
      "the destroy is audited",
      async () =>
        (await f.auditActions("vm.destroy")).find((e) => e.targetId === `${host.id}/${guest.uuid}`) ?? undefined,
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    expect(audited).toMatchObject({ action: "vm.destroy", outcome: "success" });
  });

  it("leaves nothing behind: no task running, no queue job active, no unhandled rejection", async () => {
    const stuck = await rawQuery<{ id: string }>(`SELECT id FROM "Task" WHERE status IN ('running', 'queued')`);
    expect(stuck).toEqual([]);
    const active = await rawQuery<{ id: string }>(`SELECT id FROM pgboss.job WHERE state = 'active'`);
    expect(active).toEqual([]);
    expect(rejections.map(String)).toEqual([]);
  });
});
