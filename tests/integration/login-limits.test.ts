// Sign-in limits through the real route handler and database: which address is counted behind a
// reverse proxy (X-Forwarded-For read from the right, past the trusted proxies only), and that an
// attacker guessing from one address never locks the real user out from another.
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testDbKind, type TestDatabase } from "./helpers/test-database";

// Set before env() is parsed (testDatabase() parses it).
process.env.VIRTDECK_TRUST_PROXY = "true";
process.env.VIRTDECK_TRUSTED_PROXIES = "127.0.0.0/8, 10.9.0.0/16";
process.env.VIRTDECK_LOGIN_MAX_PER_ACCOUNT = "5";
process.env.VIRTDECK_LOGIN_MAX_PER_IP = "20";

const ROOT = path.resolve(import.meta.dirname, "../..");
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ADMIN = { username: "boss", password: "the real admin password" };
let tdb: TestDatabase;
let loginRoute: Handler;
let mod: { db: typeof import("@/lib/db/client"); login: typeof import("@/lib/auth/login") };

/** POST /api/auth/login as it reaches the app: `peer` is the TCP peer the custom server stamps. */
async function signIn(
  password: string,
  from: { peer: string; xff?: string },
  username = ADMIN.username,
): Promise<number> {
  const headers: Record<string, string> = { "content-type": "application/json", "x-virtdeck-peer": from.peer };
  if (from.xff !== undefined) headers["x-forwarded-for"] = from.xff;
  const res = await loginRoute(
    new NextRequest("http://127.0.0.1:3000/api/auth/login", {
      method: "POST",
      headers,
      body: JSON.stringify({ username, password }),
    }),
    {
      params: Promise.resolve({}),
    },
  );
  return res.status;
}

/** Addresses the audit log recorded for sign-in attempts on `username` since `since`, oldest first. */
async function auditedAddresses(username: string, since: Date): Promise<string[]> {
  const rows = await mod.db.db().auditEvent.findMany({
    where: { action: "auth.login", actorName: username, at: { gte: since } },
    orderBy: { id: "asc" },
    select: { ip: true },
  });
  return rows.map((r) => r.ip ?? "");
}

beforeAll(async () => {
  tdb = await testDatabase();
  mod = { db: await import("@/lib/db/client"), login: await import("@/lib/auth/login") };
  await mod.db.prepareDatabase();
  await mod.login.setupFirstAdmin(mod.login.SetupSchema.parse(ADMIN), { ip: "127.0.0.9", userAgent: "vitest" });
  loginRoute = (
    (await import(/* @vite-ignore */ path.join(ROOT, "app/api/auth/login/route.ts"))) as Record<string, Handler>
  ).POST;
});

afterAll(() => tdb.drop());

describe(`sign-in limits on ${testDbKind()}`, () => {
  it("counts the rightmost untrusted X-Forwarded-For hop; a client-chosen leftmost value changes nothing", async () => {
    await mod.db.db().rateLimitBucket.deleteMany();
    const t0 = new Date();
    // Through two of our proxies (10.9.0.2 appended by the outer one, the peer 127.0.0.1 the inner one).
    for (let i = 0; i < 5; i++) {
      expect(await signIn(`wrong ${i}`, { peer: "127.0.0.1", xff: `198.51.100.${i}, 203.0.113.7, 10.9.0.2` })).toBe(
        401,
      );
    }
    expect(await auditedAddresses(ADMIN.username, t0)).toEqual(Array(5).fill("203.0.113.7"));
    // The sixth guess from 203.0.113.7 is refused whatever leftmost address it claims, even with the right password.
    expect(await signIn(ADMIN.password, { peer: "127.0.0.1", xff: "192.0.2.200, 203.0.113.7" })).toBe(429);
    expect(await signIn(ADMIN.password, { peer: "127.0.0.1", xff: "203.0.113.7" })).toBe(429);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy", async () => {
    await mod.db.db().rateLimitBucket.deleteMany();
    const t0 = new Date();
    expect(await signIn("wrong", { peer: "192.0.2.99", xff: "203.0.113.50" })).toBe(401);
    expect(await signIn("wrong", { peer: "::ffff:192.0.2.99" })).toBe(401);
    expect(await auditedAddresses(ADMIN.username, t0)).toEqual(["192.0.2.99", "192.0.2.99"]);
  });

  it("an attacker hammering from address A is throttled, while the admin signs in from address B with the right password", async () => {
    await mod.db.db().rateLimitBucket.deleteMany();
    const a = { peer: "127.0.0.1", xff: "203.0.113.66" };
    for (let i = 0; i < 5; i++) expect(await signIn(`guess ${i}`, a)).toBe(401);
    expect(await signIn("guess 6", a)).toBe(429);
    expect(await signIn(ADMIN.password, a)).toBe(429);
    // The real admin, from a clean address, gets in at once.
    expect(await signIn(ADMIN.password, { peer: "127.0.0.1", xff: "192.0.2.10" })).toBe(200);
    // ... and so does a direct connection from another address.
    expect(await signIn(ADMIN.password, { peer: "192.0.2.11" })).toBe(200);
    // A wider attack (the account is past its failure count): every other address gets two guesses, then is refused.
    const b = { peer: "127.0.0.1", xff: "203.0.113.67" };
    expect(await signIn("guess b1", b)).toBe(401);
    expect(await signIn("guess b2", b)).toBe(401);
    expect(await signIn("guess b3", b)).toBe(429);
    expect(await signIn(ADMIN.password, b)).toBe(429);
    // Still: the admin from yet another clean address.
    expect(await signIn(ADMIN.password, { peer: "127.0.0.1", xff: "192.0.2.12" })).toBe(200);
  });

  it("limits failures per source address across accounts", async () => {
    await mod.db.db().rateLimitBucket.deleteMany();
    const c = { peer: "127.0.0.1", xff: "203.0.113.99" };
    for (let i = 0; i < 20; i++) expect(await signIn("x", c, `nobody-${i}`)).toBe(401);
    expect(await signIn(ADMIN.password, c)).toBe(429);
    expect(await signIn(ADMIN.password, { peer: "127.0.0.1", xff: "192.0.2.13" })).toBe(200);
  });
});
