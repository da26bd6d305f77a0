import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "@/lib/auth/totp";
import type { TestDatabase } from "./helpers/test-database";
import { auditLines as auditLinesOf, authStackStart, type AuthModules } from "./helpers/auth-stack";
import { sessionCaller, userCaller } from "./helpers/callers";

// Small limit so the second-factor rate limit is reached quickly; set before env() is parsed.
process.env.VIRTDECK_TOTP_MAX_PER_ACCOUNT = "3";
process.env.VIRTDECK_TOTP_MAX_PER_IP = "50";

let tdb: TestDatabase;
let mod: AuthModules;

const meta = { ip: "127.0.0.21", userAgent: "vitest" };

beforeAll(async () => {
  ({ tdb, mod } = await authStackStart());
});

afterAll(() => tdb.drop());

const auditLines = () => auditLinesOf(mod);

/** Lets the next code of the same 30-second step be accepted again (tests only; replay is tested on its own). */
async function forgetLastStep(userId: string) {
  await mod.db.db().userTotp.update({ where: { userId }, data: { lastUsedStep: 0n } });
}

async function passwordStep(username: string, password: string) {
  const r = await mod.login.loginPassword({ username, password }, meta);
  if (r.step === "done") throw new Error(`expected a second step for ${username}, got a session`);
  const c = await mod.challenge.loginChallengeLookup(r.challengeToken);
  expect(c).not.toBeNull();
  return { outcome: r, challenge: c! };
}

describe(`two-factor sign-in on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  let admin: { id: string; username: string };
  let tina: { id: string; username: string };
  let secret: string;
  let recovery: string[];

  it("enrols with a confirming code, seals the secret and hashes ten recovery codes", async () => {
    const setup = await mod.login.setupFirstAdmin(
      mod.login.SetupSchema.parse({ username: "root", password: "root password 1" }),
      meta,
    );
    admin = setup.user;
    const adminSession = (await mod.session.sessionLookup(setup.token))!;
    const t = await mod.users.userCreate(
      sessionCaller(adminSession, meta.ip),
      mod.users.UserCreateSchema.parse({ username: "tina", password: "tina password 1", role: "operator" }),
    );
    tina = { id: t.id, username: t.username };
    // No two-factor yet: the password alone signs in.
    expect((await mod.login.loginPassword({ username: "tina", password: "tina password 1" }, meta)).step).toBe("done");

    const e = await mod.tf.totpEnrolStart(tina);
    secret = e.secret;
    expect(e.uri).toContain(`secret=${secret}`);
    expect(e.qrDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(e.qrDataUrl.split(",")[1], "base64").toString()).toContain("<svg");
    expect((await mod.tf.totpStatus(tina.id)).pending).toBe(true);
    // Pending enrolment does not change sign-in.
    expect((await mod.login.loginPassword({ username: "tina", password: "tina password 1" }, meta)).step).toBe("done");

    await expect(mod.tf.totpEnrolConfirm(userCaller(tina, meta.ip), "000000")).rejects.toMatchObject({
      code: "unauthorized",
    });
    const { recoveryCodes } = await mod.tf.totpEnrolConfirm(userCaller(tina, meta.ip), totpCode(secret, Date.now()));
    recovery = recoveryCodes;
    expect(recovery).toHaveLength(10);
    expect(await mod.tf.totpStatus(tina.id)).toMatchObject({
      enabled: true,
      pending: false,
      recoveryCodesLeft: 10,
      required: false,
    });

    const row = await mod.db.db().userTotp.findUnique({ where: { userId: tina.id }, select: { secretSealed: true } });
    expect(row!.secretSealed).toMatch(/^v1:/);
    expect(row!.secretSealed).not.toContain(secret);
    // The ordinary client never returns the sealed secret.
    expect(await mod.db.db().userTotp.findUnique({ where: { userId: tina.id } })).not.toHaveProperty("secretSealed");
    const hashes = await mod.db.db().totpRecoveryCode.findMany({ where: { userId: tina.id } });
    expect(hashes).toHaveLength(10);
    for (const h of hashes) {
      expect(h.codeHash).toMatch(/^[0-9a-f]{64}$/);
      expect(recovery.map((c) => c.replace("-", ""))).not.toContain(h.codeHash);
    }
    // A second enrolment while on is refused.
    await expect(mod.tf.totpEnrolStart(tina)).rejects.toMatchObject({ code: "conflict" });
    expect(await auditLines()).toContain("auth.totp.enrol:success:tina");
  });

  it("asks for a code after the password, in a PostgreSQL challenge, without creating a session", async () => {
    await forgetLastStep(tina.id);
    const sessionsBefore = await mod.db.db().session.count({ where: { userId: tina.id } });
    const { outcome, challenge } = await passwordStep("tina", "tina password 1");
    expect(outcome.step).toBe("totp");
    expect(await mod.db.db().session.count({ where: { userId: tina.id } })).toBe(sessionsBefore);
    // Only the token's hash is stored.
    expect(await mod.db.db().loginChallenge.count({ where: { id: outcome.challengeToken } })).toBe(0);
    expect(challenge.user.username).toBe("tina");

    const code = totpCode(secret, Date.now());
    const done = await mod.login.loginSecondFactor(challenge, code, meta);
    expect(await mod.session.sessionLookup(done.token)).toMatchObject({ user: { username: "tina" } });
    // The challenge is spent.
    expect(await mod.challenge.loginChallengeLookup(outcome.challengeToken)).toBeNull();
    await expect(mod.login.loginSecondFactor(challenge, code, meta)).rejects.toMatchObject({ code: "unauthorized" });

    // The same code in a new sign-in is a replay: refused.
    const again = await passwordStep("tina", "tina password 1");
    await expect(mod.login.loginSecondFactor(again.challenge, code, meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    // The password-only helper refuses an account with two-factor.
    await expect(mod.login.login({ username: "tina", password: "tina password 1" }, meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    expect(await auditLines()).toContain("auth.totp.verify:failure:tina");
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("accepts each recovery code once", async () => {
    const first = await passwordStep("tina", "tina password 1");
    const done = await mod.login.loginSecondFactor(first.challenge, recovery[0].toUpperCase(), meta);
    expect(done.user.username).toBe("tina");
    expect((await mod.tf.totpStatus(tina.id)).recoveryCodesLeft).toBe(9);
    const second = await passwordStep("tina", "tina password 1");
    await expect(mod.login.loginSecondFactor(second.challenge, recovery[0], meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    // Another user's recovery code is no good either (hashes are salted with the user id).
    expect(await auditLines()).toContain("auth.totp.recovery_used:success:tina");
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("rate-limits wrong codes per account: after 3, even the right code is refused with 429", async () => {
    await forgetLastStep(tina.id);
    const { challenge } = await passwordStep("tina", "tina password 1");
    for (let i = 0; i < 3; i++) {
      await expect(mod.login.loginSecondFactor(challenge, String(100000 + i), meta)).rejects.toMatchObject({
        code: "unauthorized",
      });
    }
    // A fresh challenge (password typed again) does not reset the account's counter.
    const fresh = await passwordStep("tina", "tina password 1");
    const err = await mod.login.loginSecondFactor(fresh.challenge, totpCode(secret, Date.now()), meta).catch((e) => e);
    expect(err).toMatchObject({ code: "rate_limited" });
    expect(err.extra.retryAfterSeconds).toBeGreaterThan(0);
    // Recovery codes are rate-limited the same way.
    await expect(mod.login.loginSecondFactor(fresh.challenge, recovery[1], meta)).rejects.toMatchObject({
      code: "rate_limited",
    });
    expect(await auditLines()).toContain("auth.totp.verify:denied:tina");
    expect((await mod.tf.totpStatus(tina.id)).recoveryCodesLeft).toBe(9);
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("holds the limit under concurrent guesses across several challenges", async () => {
    const challenges = await Promise.all([1, 2, 3, 4].map(() => passwordStep("tina", "tina password 1")));
    const results = await Promise.allSettled(
      challenges.flatMap(({ challenge }, c) =>
        [0, 1, 2, 3, 4].map((i) => mod.login.loginSecondFactor(challenge, String(300000 + c * 10 + i), meta)),
      ),
    );
    const codes = results.map((r) => (r.status === "rejected" ? (r.reason as { code: string }).code : "accepted"));
    // Max 3 per account: at most 3 guesses were actually checked, whatever the interleaving.
    expect(codes.filter((c) => c === "unauthorized").length).toBeLessThanOrEqual(3);
    expect(codes.filter((c) => c === "rate_limited").length).toBeGreaterThanOrEqual(17);
    expect(codes).not.toContain("accepted");
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("burns a challenge after five wrong codes", async () => {
    const { outcome, challenge } = await passwordStep("tina", "tina password 1");
    for (let i = 0; i < 5; i++) {
      await mod.db.db().rateLimitBucket.deleteMany();
      await expect(mod.login.loginSecondFactor(challenge, String(200000 + i), meta)).rejects.toMatchObject({
        code: "unauthorized",
      });
    }
    expect(await mod.challenge.loginChallengeLookup(outcome.challengeToken)).toBeNull();
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("regenerates recovery codes with a code; the old ones stop working", async () => {
    await forgetLastStep(tina.id);
    const { recoveryCodes } = await mod.tf.recoveryCodesRegenerate(
      userCaller(tina, meta.ip),
      totpCode(secret, Date.now()),
    );
    expect(recoveryCodes).toHaveLength(10);
    expect(recoveryCodes).not.toContain(recovery[2]);
    const { challenge } = await passwordStep("tina", "tina password 1");
    await expect(mod.login.loginSecondFactor(challenge, recovery[2], meta)).rejects.toMatchObject({
      code: "unauthorized",
    });
    expect((await mod.login.loginSecondFactor(challenge, recoveryCodes[0], meta)).user.username).toBe("tina");
    recovery = recoveryCodes;
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("turns off only with the password and a current code", async () => {
    await forgetLastStep(tina.id);
    const caller = userCaller(tina, meta.ip);
    await expect(
      mod.tf.totpDisable(caller, { password: "wrong password", code: totpCode(secret, Date.now()) }),
    ).rejects.toMatchObject({
      code: "invalid_input",
    });
    await expect(mod.tf.totpDisable(caller, { password: "tina password 1", code: "123456" })).rejects.toMatchObject({
      code: "unauthorized",
    });
    await mod.tf.totpDisable(caller, { password: "tina password 1", code: totpCode(secret, Date.now()) });
    expect(await mod.tf.totpStatus(tina.id)).toMatchObject({ enabled: false, pending: false });
    expect(await mod.db.db().totpRecoveryCode.count({ where: { userId: tina.id } })).toBe(0);
    expect((await mod.login.loginPassword({ username: "tina", password: "tina password 1" }, meta)).step).toBe("done");
    expect(await auditLines()).toContain("auth.totp.disable:success:tina");
    await mod.db.db().rateLimitBucket.deleteMany();
  });

  it("enforces the policy per role: sessions end, the next sign-in enrols first, and it cannot be turned off", async () => {
    const adminCaller = userCaller(admin, meta.ip);
    const tinaSession = await mod.login.login({ username: "tina", password: "tina password 1" }, meta);
    expect(await mod.session.sessionLookup(tinaSession.token)).not.toBeNull();

    // An admin cannot require two-factor of their own role before enrolling themselves.
    await expect(
      mod.policy.securityPolicySet(adminCaller, { totpRequiredRoles: ["admin", "operator"] }),
    ).rejects.toMatchObject({ code: "conflict" });
    const saved = await mod.policy.securityPolicySet(adminCaller, { totpRequiredRoles: ["operator"] });
    expect(saved.totpRequiredRoles).toEqual(["operator"]);
    expect(saved.signedOut).toBeGreaterThanOrEqual(1);
    expect(await mod.session.sessionLookup(tinaSession.token)).toBeNull();
    expect(await auditLines()).toContain("security.policy.update:success:security policy");

    const { outcome, challenge } = await passwordStep("tina", "tina password 1");
    expect(outcome.step).toBe("enrol");
    // An enrolment challenge cannot be passed with a code, nor used to skip enrolment.
    await expect(mod.login.loginSecondFactor(challenge, "123456", meta)).rejects.toMatchObject({ code: "conflict" });
    const e = await mod.login.loginEnrolStart(challenge);
    const done = await mod.login.loginEnrolConfirm(challenge, totpCode(e.secret, Date.now()), meta);
    expect(done.recoveryCodes).toHaveLength(10);
    expect(await mod.session.sessionLookup(done.token)).toMatchObject({ user: { username: "tina" } });
    expect(await mod.tf.totpStatus(tina.id)).toMatchObject({ enabled: true, required: true });

    await forgetLastStep(tina.id);
    await expect(
      mod.tf.totpDisable(userCaller(tina, meta.ip), {
        password: "tina password 1",
        code: totpCode(e.secret, Date.now()),
      }),
    ).rejects.toMatchObject({ code: "forbidden" });
    // Admins are not in the list: they still sign in with the password only.
    expect((await mod.login.loginPassword({ username: "root", password: "root password 1" }, meta)).step).toBe("done");
    secret = e.secret;
  });

  it("lets an administrator reset a lost authenticator, which ends the user's sessions", async () => {
    const adminCaller = userCaller(admin, meta.ip);
    await forgetLastStep(tina.id);
    const { challenge } = await passwordStep("tina", "tina password 1");
    const s = await mod.login.loginSecondFactor(challenge, totpCode(secret, Date.now()), meta);
    await mod.tf.totpAdminReset(adminCaller, tina.id);
    expect(await mod.session.sessionLookup(s.token)).toBeNull();
    expect(await mod.tf.totpStatus(tina.id)).toMatchObject({ enabled: false });
    await expect(mod.tf.totpAdminReset(adminCaller, tina.id)).rejects.toMatchObject({ code: "conflict" });
    await expect(mod.tf.totpAdminReset(adminCaller, "00000000-0000-4000-8000-000000000000")).rejects.toMatchObject({
      code: "not_found",
    });
    // The policy still applies: the next sign-in enrols again.
    expect((await mod.login.loginPassword({ username: "tina", password: "tina password 1" }, meta)).step).toBe("enrol");
    expect(await auditLines()).toContain("auth.totp.reset:success:tina");
  });
  it("counts roles granted directly or through a group, at any scope", async () => {
    const adminSession = await mod.login.login({ username: "root", password: "root password 1" }, meta);
    const caller = sessionCaller((await mod.session.sessionLookup(adminSession.token))!, meta.ip);
    const mk = async (username: string) =>
      mod.users.userCreate(
        caller,
        mod.users.UserCreateSchema.parse({ username, password: `${username} password 1`, role: "helpdesk" }),
      );
    const vic = await mk("vic");
    const gina = await mk("gina");
    await mk("dan"); // holds no role that needs 2FA: signs in with a password only
    const d = mod.db.db();
    await d.grant.create({ data: { userId: vic.id, roleId: "viewer", scope: "global" } });
    const group = await d.group.create({ data: { name: "night shift" } });
    await d.groupMember.create({ data: { groupId: group.id, userId: gina.id } });
    await d.grant.create({ data: { groupId: group.id, roleId: "viewer", scope: "global" } });
    const vicSession = await mod.login.login({ username: "vic", password: "vic password 1" }, meta);

    const saved = await mod.policy.securityPolicySet(userCaller(admin, meta.ip), { totpRequiredRoles: ["viewer"] });
    expect(saved.signedOut).toBeGreaterThanOrEqual(1);
    expect(await mod.session.sessionLookup(vicSession.token)).toBeNull();
    expect((await mod.login.loginPassword({ username: "vic", password: "vic password 1" }, meta)).step).toBe("enrol");
    expect((await mod.login.loginPassword({ username: "gina", password: "gina password 1" }, meta)).step).toBe("enrol");
    // Neither granted the role nor in the group: password only.
    expect((await mod.login.loginPassword({ username: "dan", password: "dan password 1" }, meta)).step).toBe("done");
    // Operators are no longer in the list.
    expect(await mod.policy.totpRequiredFor(tina.id)).toBe(false);
    await mod.policy.securityPolicySet(userCaller(admin, meta.ip), { totpRequiredRoles: [] });
    expect((await mod.login.loginPassword({ username: "gina", password: "gina password 1" }, meta)).step).toBe("done");
  });
});
