import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestDatabase } from "./helpers/test-database";
import { auditLines, authStackStart, type AuthModules } from "./helpers/auth-stack";
import { sessionCaller } from "./helpers/callers";

// Small limits so the rate limit is reached quickly; set before env() is parsed.
process.env.VIRTDECK_LOGIN_MAX_PER_ACCOUNT = "3";
process.env.VIRTDECK_LOGIN_MAX_PER_IP = "50";

let tdb: TestDatabase;
let mod: AuthModules;

const meta = { ip: "127.0.0.9", userAgent: "vitest" };

beforeAll(async () => {
  ({ tdb, mod } = await authStackStart());
});

afterAll(() => tdb.drop());

const actions = () => auditLines(mod);

describe(`accounts on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  let adminToken: string;
  let helpId: string;

  it("creates the first admin once, and refuses a second setup", async () => {
    const input = mod.login.SetupSchema.parse({
      username: "Root.Admin",
      password: "first admin pw",
      displayName: "<i>Boss</i>",
    });
    const r = await mod.login.setupFirstAdmin(input, meta);
    expect(r.user.username).toBe("root.admin");
    expect(r.user.role).toBe("admin");
    adminToken = r.token;
    await expect(
      mod.login.setupFirstAdmin(mod.login.SetupSchema.parse({ username: "other", password: "another pw1" }), meta),
    ).rejects.toMatchObject({
      code: "setup_done",
    });
    expect(await mod.db.db().user.count()).toBe(1);
  });

  it("stores only the hash of the session token and resolves the cookie token to the user", async () => {
    const s = await mod.session.sessionLookup(adminToken);
    expect(s?.user.username).toBe("root.admin");
    expect(await mod.db.db().session.count({ where: { id: adminToken } })).toBe(0);
    expect(await mod.session.sessionLookup(adminToken.slice(0, -2) + "xx")).toBeNull();
    expect(await mod.session.sessionLookup("../../etc/passwd")).toBeNull();
  });

  it("never returns password hashes from ordinary queries", async () => {
    const u = await mod.db.db().user.findFirst();
    expect(u).not.toHaveProperty("passwordHash");
  });

  it("creates users, refuses duplicates case-insensitively and keeps markup as text", async () => {
    const caller = sessionCaller((await mod.session.sessionLookup(adminToken))!, meta.ip);
    const help = await mod.users.userCreate(
      caller,
      mod.users.UserCreateSchema.parse({
        username: "help",
        password: "helpdesk pw",
        role: "helpdesk",
        displayName: "<script>x</script>",
      }),
    );
    helpId = help.id;
    expect(help.displayName).toBe("<script>x</script>");
    await expect(
      mod.users.userCreate(
        caller,
        mod.users.UserCreateSchema.parse({ username: "HELP", password: "helpdesk pw", role: "operator" }),
      ),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await mod.db.db().user.count()).toBe(2);
  });

  it("logs in, rejects wrong passwords, then rate-limits the account", async () => {
    const ok = await mod.login.login({ username: "HELP", password: "helpdesk pw" }, meta);
    expect(ok.user.id).toBe(helpId);
    for (let i = 0; i < 3; i++) {
      await expect(mod.login.login({ username: "help", password: "wrong password" }, meta)).rejects.toMatchObject({
        code: "unauthorized",
      });
    }
    // The right password is refused too from the address that failed (other addresses: login-limits.test.ts).
    await expect(mod.login.login({ username: "help", password: "helpdesk pw" }, meta)).rejects.toMatchObject({
      code: "rate_limited",
    });
    await expect(mod.login.login({ username: "nobody", password: "whatever1" }, meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    const log = await actions();
    expect(log.filter((a) => a === "auth.login:failure:help")).toHaveLength(3);
    expect(log).toContain("auth.login:denied:");
  });

  it("ends a user's sessions when they are disabled and refuses their login", async () => {
    await mod.db.db().rateLimitBucket.deleteMany();
    const s = await mod.login.login({ username: "help", password: "helpdesk pw" }, meta);
    const caller = sessionCaller((await mod.session.sessionLookup(adminToken))!, meta.ip);
    await mod.users.userUpdate(caller, helpId, { disabled: true });
    expect(await mod.session.sessionLookup(s.token)).toBeNull();
    await expect(mod.login.login({ username: "help", password: "helpdesk pw" }, meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    expect(await actions()).toContain("user.disable:success:help");
  });

  it("keeps at least one enabled admin and refuses self-deletion", async () => {
    const adminSession = (await mod.session.sessionLookup(adminToken))!;
    const caller = sessionCaller(adminSession, meta.ip);
    await expect(mod.users.userDelete(caller, adminSession.user.id)).rejects.toMatchObject({ code: "conflict" });
    await expect(mod.users.userUpdate(caller, adminSession.user.id, { disabled: true })).rejects.toMatchObject({
      code: "conflict",
    });
    await expect(mod.users.userUpdate(caller, adminSession.user.id, { role: "helpdesk" })).rejects.toMatchObject({
      code: "conflict",
    });
    const after = await mod.users.userGet(adminSession.user.id);
    expect(after.role).toBe("admin");
    expect(after.disabled).toBe(false);
  });

  it("treats unknown or malformed user ids as not found", async () => {
    const caller = sessionCaller((await mod.session.sessionLookup(adminToken))!, meta.ip);
    await expect(mod.users.userDelete(caller, "not-a-uuid")).rejects.toMatchObject({ code: "not_found" });
    await expect(mod.users.userDelete(caller, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("changes the own password only with the current one, ending other sessions", async () => {
    const other = await mod.login.login({ username: "root.admin", password: "first admin pw" }, meta);
    const caller = sessionCaller((await mod.session.sessionLookup(adminToken))!, meta.ip);
    await expect(
      mod.users.accountPasswordChange(caller, { currentPassword: "wrong", newPassword: "second admin pw" }),
    ).rejects.toMatchObject({ code: "invalid_input" });
    await mod.users.accountPasswordChange(caller, {
      currentPassword: "first admin pw",
      newPassword: "second admin pw",
    });
    expect(await mod.session.sessionLookup(other.token)).toBeNull();
    expect(await mod.session.sessionLookup(adminToken)).not.toBeNull();
    await expect(mod.login.login({ username: "root.admin", password: "second admin pw" }, meta)).resolves.toBeTruthy();
  });

  it("counts rate-limit hits atomically under concurrency", async () => {
    const rl = await import("@/lib/auth/rate-limit");
    const counts = await Promise.all(Array.from({ length: 20 }, () => rl.rateLimitHit("test:concurrent", 60)));
    expect(counts.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it("expires sessions at their expiry time", async () => {
    const s = await mod.login.login({ username: "root.admin", password: "second admin pw" }, meta);
    const { createHash } = await import("node:crypto");
    await mod.db.db().session.update({
      where: { id: createHash("sha256").update(s.token).digest("hex") },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await mod.session.sessionLookup(s.token)).toBeNull();
  });
});
