// Housekeeping on the real database (VD_TEST_DB=postgres or pglite) with the real pg-boss queue and its
// cron scheduler: expired sessions, sign-in challenges, console tickets and rate-limit buckets are deleted
// by the scheduled job; rows still in their grace period, and tickets an open console names, are kept.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testDbKind, type TestDatabase } from "./helpers/test-database";

// Set before env() is parsed (testDatabase() parses it): a round every minute, so the cron fires during the test.
process.env.VIRTDECK_HOUSEKEEPING_MINUTES = "1";
process.env.VIRTDECK_LOGIN_WINDOW_SECONDS = "900";

let tdb: TestDatabase;
let mod: {
  db: typeof import("@/lib/db/client");
  queue: typeof import("@/lib/tasks/queue");
  hk: typeof import("@/lib/tasks/housekeeping");
};
let userId: string;

const MIN = 60_000;
const ago = (ms: number) => new Date(Date.now() - ms);
const ahead = (ms: number) => new Date(Date.now() + ms);

async function until<T>(
  what: string,
  check: () => Promise<T | false | null | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function session(id: string, expiresAt: Date, revokedAt: Date | null = null) {
  await mod.db.db().session.create({ data: { id, userId, csrfToken: "x", expiresAt, revokedAt } });
}
async function challenge(id: string, expiresAt: Date) {
  await mod.db.db().loginChallenge.create({ data: { id, userId, kind: "totp", expiresAt } });
}
async function ticket(id: string, expiresAt: Date) {
  await mod.db.db().consoleTicket.create({
    data: {
      id,
      userId,
      sessionId: "s-live",
      hostId: randomUUID(),
      vmUuid: randomUUID(),
      kind: "spice",
      expiresAt,
      usedAt: expiresAt,
    },
  });
}
async function consoleSession(
  ref: { ticketId?: string; mainTicketId?: string },
  state: { endedAt?: Date; lastSeenAt?: Date },
) {
  await mod.db.db().consoleSession.create({
    data: {
      id: randomUUID(),
      userId,
      username: "boss",
      sessionId: "s-live",
      hostId: randomUUID(),
      vmUuid: randomUUID(),
      kind: "spice",
      ticketId: ref.ticketId ?? null,
      mainTicketId: ref.mainTicketId ?? null,
      endedAt: state.endedAt ?? null,
      lastSeenAt: state.lastSeenAt ?? new Date(),
    },
  });
}
async function bucket(key: string, windowStart: Date) {
  await mod.db.db().rateLimitBucket.create({ data: { key, windowStart, count: 3 } });
}

/** Expired rows (past their grace) under keys prefixed `gone-`, rows to keep under `kept-`. */
async function seed(tag: string) {
  await session(`gone-expired-${tag}`, ago(25 * 60 * MIN));
  await session(`gone-revoked-${tag}`, ahead(60 * MIN), ago(25 * 60 * MIN));
  await session(`kept-expired-recently-${tag}`, ago(60 * MIN));
  await session(`kept-revoked-recently-${tag}`, ahead(60 * MIN), ago(60 * MIN));
  await session(`kept-live-${tag}`, ahead(60 * MIN));

  await challenge(`gone-${tag}`, ago(25 * 60 * MIN));
  await challenge(`kept-recent-${tag}`, ago(60 * MIN));
  await challenge(`kept-live-${tag}`, ahead(5 * MIN));

  await ticket(`gone-unused-${tag}`, ago(2 * 60 * MIN));
  // A finished console keeps its history row; its ticket may go.
  await ticket(`gone-ended-console-${tag}`, ago(2 * 60 * MIN));
  await consoleSession({ ticketId: `gone-ended-console-${tag}` }, { endedAt: ago(90 * MIN) });
  // An "open" console row its instance stopped updating long ago (killed) protects nothing.
  await ticket(`gone-dead-console-${tag}`, ago(2 * 60 * MIN));
  await consoleSession({ ticketId: `gone-dead-console-${tag}` }, { lastSeenAt: ago(2 * 60 * MIN) });
  // A live console: its main channel's ticket is read again when an extra channel joins.
  await ticket(`kept-live-main-${tag}`, ago(2 * 60 * MIN));
  await consoleSession({ ticketId: `kept-live-main-${tag}` }, {});
  await ticket(`kept-live-extra-main-${tag}`, ago(2 * 60 * MIN));
  await consoleSession({ mainTicketId: `kept-live-extra-main-${tag}` }, {});
  await ticket(`kept-recent-${tag}`, ago(10 * MIN));
  await ticket(`kept-unexpired-${tag}`, ahead(MIN));

  // Window 900 s + 1 h grace.
  await bucket(`gone-${tag}`, ago((900 + 3600 + 120) * 1000));
  await bucket(`kept-past-window-${tag}`, ago((900 + 120) * 1000));
  await bucket(`kept-current-${tag}`, ago(10_000));
}

async function remaining(tag: string) {
  const d = mod.db.db();
  const like = { endsWith: `-${tag}` };
  const [s, c, t, b] = await Promise.all([
    d.session.findMany({ where: { id: like }, select: { id: true } }),
    d.loginChallenge.findMany({ where: { id: like }, select: { id: true } }),
    d.consoleTicket.findMany({ where: { id: like }, select: { id: true } }),
    d.rateLimitBucket.findMany({ where: { key: like }, select: { key: true } }),
  ]);
  return [...s.map((r) => r.id), ...c.map((r) => r.id), ...t.map((r) => r.id), ...b.map((r) => r.key)].sort();
}

const KEPT = (tag: string) =>
  [
    `kept-expired-recently-${tag}`,
    `kept-revoked-recently-${tag}`,
    `kept-live-${tag}`,
    `kept-recent-${tag}`,
    `kept-live-${tag}`,
    `kept-live-main-${tag}`,
    `kept-live-extra-main-${tag}`,
    `kept-recent-${tag}`,
    `kept-unexpired-${tag}`,
    `kept-past-window-${tag}`,
    `kept-current-${tag}`,
  ].sort();

beforeAll(async () => {
  tdb = await testDatabase();
  mod = {
    db: await import("@/lib/db/client"),
    queue: await import("@/lib/tasks/queue"),
    hk: await import("@/lib/tasks/housekeeping"),
  };
  await mod.db.prepareDatabase();
  const login = await import("@/lib/auth/login");
  await login.setupFirstAdmin(login.SetupSchema.parse({ username: "boss", password: "the real admin password" }), {
    ip: "127.0.0.9",
    userAgent: "vitest",
  });
  userId = (await mod.db.db().user.findFirstOrThrow({ where: { username: "boss" } })).id;
});

afterAll(async () => {
  await mod?.queue.taskQueueStop();
  await tdb?.drop();
});

describe(`housekeeping on ${testDbKind()}`, () => {
  it("registers its cron schedule in pg-boss and its job deletes only rows past expiry and grace", async () => {
    await seed("a");
    expect((await remaining("a")).filter((k) => k.startsWith("gone-"))).toHaveLength(7);
    const worker = await mod.hk.housekeepingStart({ pollingIntervalSeconds: 0.5 });
    expect(worker).toBeTruthy();
    // Idempotent: a second start neither fails nor adds a worker.
    expect(await mod.hk.housekeepingStart()).toBe(worker);

    const schedules = await mod.db.dbRawExecute(`SELECT name, cron, timezone FROM pgboss.schedule`, []);
    expect(schedules.rows).toEqual([{ name: mod.hk.HOUSEKEEPING_QUEUE, cron: "*/1 * * * *", timezone: "UTC" }]);

    const boss = await mod.queue.taskQueue();
    await boss.send(mod.hk.HOUSEKEEPING_QUEUE, {});
    await until("the job ran", async () => !(await remaining("a")).some((k) => k.startsWith("gone-")), 30_000).catch(
      () => {},
    );
    expect(await remaining("a")).toEqual(KEPT("a"));
    // The finished consoles' rows stay (history); only their tickets went.
    expect(
      await mod.db
        .db()
        .consoleSession.count({ where: { ticketId: { in: ["gone-ended-console-a", "gone-dead-console-a"] } } }),
    ).toBe(2);
  }, 60_000);

  it("a purge that fails is reported and the other kinds are still purged", async () => {
    await seed("c");
    await mod.db.dbRawExecute(`ALTER TABLE "RateLimitBucket" RENAME TO "RateLimitBucketAway"`, []);
    let out: Awaited<ReturnType<typeof mod.hk.housekeepingRun>>;
    try {
      out = await mod.hk.housekeepingRun();
    } finally {
      await mod.db.dbRawExecute(`ALTER TABLE "RateLimitBucketAway" RENAME TO "RateLimitBucket"`, []);
    }
    expect(typeof out.rateLimitBuckets).toBe("string");
    expect(out).toMatchObject({ sessions: 2, loginChallenges: 1, consoleTickets: 3 });
    expect((await remaining("c")).filter((k) => k.startsWith("gone-"))).toEqual(["gone-c"]);
  });

  it("the cron schedule itself starts the job, with nobody sending it", async () => {
    await seed("b");
    await until(
      "the scheduled round ran",
      async () => !(await remaining("b")).some((k) => k.startsWith("gone-")),
      100_000,
    ).catch(() => {});
    expect(await remaining("b")).toEqual(KEPT("b"));
  }, 120_000);
});
