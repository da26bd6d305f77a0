import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { fleetSetup, stackEnv, type FleetContext, type HostView } from "./helpers/fleet-stack";
import { GuestLab, domstate, type Guest } from "./helpers/fleet-guests";

// API tokens against the real database and host 1's real libvirt, through the
// real route handlers (userRoute resolves `Authorization: Bearer`).
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let f: FleetContext;
const lab = new GuestLab("tokens");
let host: HostView;
let vm: Guest;
let routes: {
  tokens: { GET: Handler; POST: Handler };
  tokenId: { DELETE: Handler };
  vms: { GET: Handler };
  action: { POST: Handler };
  me: { GET: Handler };
  password: { POST: Handler };
  console: { POST: Handler };
};
let tokensMod: typeof import("@/lib/auth/api-tokens");
let usersMod: typeof import("@/lib/users/users");

const IP = "127.0.0.31";
const OLGA = { username: "olga", password: "olga password 1", role: "operator" as const };
const HUGO = { username: "hugo", password: "hugo password 1", role: "helpdesk" as const };

interface Creds {
  bearer?: string;
  cookie?: { token: string; csrf: string };
}

async function call(
  handler: Handler,
  method: string,
  path: string,
  creds: Creds,
  body?: unknown,
  params: Record<string, string> = {},
) {
  const headers: Record<string, string> = { "user-agent": "vitest", "x-virtdeck-peer": IP };
  if (creds.bearer !== undefined) headers.authorization = `Bearer ${creds.bearer}`;
  if (creds.cookie) {
    headers.cookie = `vd_session=${creds.cookie.token}`;
    headers["x-csrf-token"] = creds.cookie.csrf;
  }
  if (body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(`http://127.0.0.1:3000${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null, text };
}

async function signIn(username: string, password: string) {
  const r = await f.mod.login.login({ username, password }, { ip: IP, userAgent: "vitest" });
  return { token: r.token, csrf: r.csrfToken };
}

async function createToken(
  cookie: Creds["cookie"],
  body: { name: string; expiresInDays: number; privileges: string[] },
) {
  return call(routes.tokens.POST, "POST", "/api/tokens", { cookie }, body);
}

beforeAll(async () => {
  f = await fleetSetup();
  host = await f.addHost(stackEnv().host1, { name: "tokens host 1", pin: "db" });
  vm = lab.define("host1");
  await f.mod.inventory.inventoryGet(host.id, { maxAgeMs: 0 });
  routes = {
    tokens: (await import("@/app/api/tokens/route")) as never,
    tokenId: (await import("@/app/api/tokens/[id]/route")) as never,
    vms: (await import("@/app/api/vms/route")) as never,
    action: (await import("@/app/api/vms/[hostId]/[uuid]/actions/route")) as never,
    me: (await import("@/app/api/auth/me/route")) as never,
    password: (await import("@/app/api/account/password/route")) as never,
    console: (await import("@/app/api/vms/[hostId]/[uuid]/console/route")) as never,
  };
  tokensMod = await import("@/lib/auth/api-tokens");
  usersMod = await import("@/lib/users/users");
  for (const u of [OLGA, HUGO])
    await usersMod.userCreate(f.caller, usersMod.UserCreateSchema.parse({ ...u, displayName: "" }));
});

afterAll(async () => {
  const problems = await lab.cleanup();
  await f?.teardown();
  expect(problems).toEqual([]);
});

describe(`API tokens on ${process.env.VD_TEST_DB ?? "pglite"}`, () => {
  let olga: { token: string; csrf: string };
  let viewToken = "";
  let viewTokenId = "";

  it("creates a token shown once, stored only as a hash with its prefix", async () => {
    olga = await signIn(OLGA.username, OLGA.password);
    const r = await createToken(olga, { name: "  ci reader ", expiresInDays: 30, privileges: ["vm.view", "vm.view"] });
    expect(r.status, r.text).toBe(201);
    viewToken = r.json.token;
    viewTokenId = r.json.apiToken.id;
    expect(viewToken).toMatch(/^vdt_[a-z2-7]{12}_/);
    expect(r.json.apiToken).toMatchObject({
      name: "ci reader",
      privileges: ["vm.view"],
      status: "active",
      owner: { username: "olga" },
    });
    const row = await f.mod.db.db().apiToken.findUniqueOrThrow({ where: { id: viewTokenId } });
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    // The secret is base64url and may itself hold "_": everything after "vdt_<prefix>_".
    const secret = viewToken.replace(/^vdt_[a-z2-7]{12}_/, "");
    expect(secret.length).toBeGreaterThan(40);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(viewToken).toContain(row.prefix);
    // Listed without the secret.
    const list = await call(routes.tokens.GET, "GET", "/api/tokens", { cookie: olga });
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(viewToken);
    expect(list.json.tokens.map((t: { id: string }) => t.id)).toEqual([viewTokenId]);
    expect(list.json.grantable).toContain("vm.power");
    expect(list.json.grantable).not.toContain("user.manage");
    expect((await f.auditActions("token.create")).map((e) => e.outcome)).toEqual(["success"]);
  });

  it("a token limited to vm.view lists VMs but gets 403 on a power action; the VM stays off", async () => {
    const list = await call(routes.vms.GET, "GET", `/api/vms?q=${encodeURIComponent(vm.name)}`, { bearer: viewToken });
    expect(list.status, list.text).toBe(200);
    expect(list.json.vms.map((v: { uuid: string }) => v.uuid)).toContain(vm.uuid);
    const me = await call(routes.me.GET, "GET", "/api/auth/me", { bearer: viewToken });
    expect(me.json.user.username).toBe("olga");

    const start = await call(
      routes.action.POST,
      "POST",
      `/api/vms/${host.id}/${vm.uuid}/actions`,
      { bearer: viewToken },
      { action: "start" },
      {
        hostId: host.id,
        uuid: vm.uuid,
      },
    );
    expect(start.status, start.text).toBe(403);
    expect(start.json.error.code).toBe("forbidden");
    expect(domstate(vm)).toBe("shut off");
    const denied = (await f.auditActions("access.denied")).at(-1);
    expect(denied).toMatchObject({ outcome: "denied" });
    expect(JSON.stringify(denied?.details)).toContain("vm.power");
  });

  it("a token limited to vm.console cannot take over a console, though its owner may (the token's limit applies)", async () => {
    const r = await createToken(olga, { name: "console only", expiresInDays: 1, privileges: ["vm.console"] });
    expect(r.status, r.text).toBe(201);
    const takeover = await call(
      routes.console.POST,
      "POST",
      `/api/vms/${host.id}/${vm.uuid}/console`,
      { bearer: r.json.token },
      { kind: "vnc", mode: "takeover" },
      {
        hostId: host.id,
        uuid: vm.uuid,
      },
    );
    expect(takeover.status, takeover.text).toBe(403);
    expect(takeover.json.error.message).toMatch(/take over/);
  });

  it("a token with vm.power starts the VM, with no CSRF header (bearer requests need none)", async () => {
    const r = await createToken(olga, { name: "power", expiresInDays: 1, privileges: ["vm.view", "vm.power"] });
    expect(r.status, r.text).toBe(201);
    const start = await call(
      routes.action.POST,
      "POST",
      `/api/vms/${host.id}/${vm.uuid}/actions`,
      { bearer: r.json.token },
      { action: "start" },
      {
        hostId: host.id,
        uuid: vm.uuid,
      },
    );
    expect(start.status, start.text).toBe(200);
    expect(domstate(vm)).toBe("running");
    const ev = (await f.auditActions("vm.start")).at(-1);
    expect(ev).toMatchObject({ outcome: "success", targetId: `${host.id}/${vm.uuid}` });
  });

  it("refuses a token with more privileges than its owner holds (403), and nothing is stored", async () => {
    const before = await f.mod.db.db().apiToken.count();
    const more = await createToken(olga, {
      name: "too much",
      expiresInDays: 1,
      privileges: ["vm.view", "user.manage"],
    });
    expect(more.status, more.text).toBe(403);
    expect(more.json.error).toMatchObject({ code: "forbidden", excess: ["user.manage"] });
    // A helpdesk account granted nothing cannot even get vm.view.
    const hugo = await signIn(HUGO.username, HUGO.password);
    const none = await createToken(hugo, { name: "x", expiresInDays: 1, privileges: ["vm.view"] });
    expect(none.status).toBe(403);
    expect(await f.mod.db.db().apiToken.count()).toBe(before);
    expect((await f.auditActions("token.create")).filter((e) => e.outcome === "denied")).toHaveLength(2);
  });

  it("a token cannot mint tokens or touch account security, even within its privileges", async () => {
    const r = await call(
      routes.tokens.POST,
      "POST",
      "/api/tokens",
      { bearer: viewToken },
      { name: "child", expiresInDays: 1, privileges: ["vm.view"] },
    );
    expect(r.status).toBe(403);
    const pw = await call(
      routes.password.POST,
      "POST",
      "/api/account/password",
      { bearer: viewToken },
      { currentPassword: OLGA.password, newPassword: "new password 99" },
    );
    expect(pw.status).toBe(403);
  });

  it("refuses lifetimes beyond the policy's maximum with 422", async () => {
    const r = await createToken(olga, { name: "forever", expiresInDays: 91, privileges: ["vm.view"] });
    expect(r.status).toBe(422);
    expect(r.json.error.issues[0].path).toBe("expiresInDays");
  });

  it("answers 401 to expired, revoked, unknown and malformed tokens", async () => {
    const expiring = await createToken(olga, { name: "short", expiresInDays: 1, privileges: ["vm.view"] });
    await f.mod.db
      .db()
      .apiToken.update({ where: { id: expiring.json.apiToken.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const expired = await call(routes.vms.GET, "GET", "/api/vms", { bearer: expiring.json.token });
    expect(expired.status).toBe(401);
    expect(expired.json.error.message).toMatch(/expired/);

    const revoke = await call(
      routes.tokenId.DELETE,
      "DELETE",
      `/api/tokens/${viewTokenId}`,
      { cookie: olga },
      undefined,
      { id: viewTokenId },
    );
    expect(revoke.status, revoke.text).toBe(200);
    expect(revoke.json.apiToken.status).toBe("revoked");
    const revoked = await call(routes.vms.GET, "GET", "/api/vms", { bearer: viewToken });
    expect(revoked.status).toBe(401);
    expect(revoked.json.error.message).toMatch(/revoked/);

    // Right prefix, wrong secret.
    const forged = viewToken.slice(0, -4) + (viewToken.endsWith("AAAA") ? "BBBB" : "AAAA");
    expect((await call(routes.vms.GET, "GET", "/api/vms", { bearer: forged })).status).toBe(401);
    expect((await call(routes.vms.GET, "GET", "/api/vms", { bearer: "not-a-token" })).status).toBe(401);
    const reasons = (await f.auditActions("auth.token")).map((e) => (e.details as { reason: string }).reason);
    expect(reasons).toEqual(expect.arrayContaining(["expired", "revoked", "unknown"]));
  });

  it("stops working when the owner is disabled", async () => {
    const r = await createToken(olga, { name: "owner disabled", expiresInDays: 1, privileges: ["vm.view"] });
    const id = (await f.mod.db.db().user.findUniqueOrThrow({ where: { username: "olga" } })).id;
    await usersMod.userUpdate(f.caller, id, { disabled: true });
    expect((await call(routes.vms.GET, "GET", "/api/vms", { bearer: r.json.token })).status).toBe(401);
    await usersMod.userUpdate(f.caller, id, { disabled: false });
    expect((await call(routes.vms.GET, "GET", "/api/vms", { bearer: r.json.token })).status).toBe(200);
    olga = await signIn(OLGA.username, OLGA.password);
  });

  it("lets admins list and revoke anyone's tokens; other users get 404", async () => {
    const r = await createToken(olga, { name: "admin revokes", expiresInDays: 1, privileges: ["vm.view"] });
    const id = r.json.apiToken.id;
    const hugo = await signIn(HUGO.username, HUGO.password);
    expect(
      (await call(routes.tokenId.DELETE, "DELETE", `/api/tokens/${id}`, { cookie: hugo }, undefined, { id })).status,
    ).toBe(404);
    expect((await call(routes.tokens.GET, "GET", "/api/tokens?all=1", { cookie: hugo })).status).toBe(403);
    const admin = { token: "", csrf: "" };
    const s = await f.mod.session.sessionCreate(f.caller.principal.user.id, { ip: IP, userAgent: "vitest" });
    admin.token = s.token;
    admin.csrf = s.csrfToken;
    const all = await call(routes.tokens.GET, "GET", "/api/tokens?all=1", { cookie: admin });
    expect(all.json.tokens.map((t: { id: string }) => t.id)).toContain(id);
    const del = await call(routes.tokenId.DELETE, "DELETE", `/api/tokens/${id}`, { cookie: admin }, undefined, { id });
    expect(del.status).toBe(200);
    expect((await call(routes.vms.GET, "GET", "/api/vms", { bearer: r.json.token })).status).toBe(401);
    expect((await f.auditActions("token.revoke")).at(-1)).toMatchObject({ outcome: "success" });
    expect(await tokensMod.apiTokenMaxDays()).toBe(90);
  });
});
