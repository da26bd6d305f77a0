import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { ownServerStart, type OwnServer } from "./helpers/own-server";

// The server log of a production server (dist/server.mjs) of its own, at VIRTDECK_LOG_LEVEL=debug:
// one JSON line per HTTP request carrying the id the response names in x-request-id, websocket
// upgrades by path only, failed actions, host status changes, and never a secret: not the password,
// the pasted private key, the API token, the session cookie, the CSRF token, a query string or a
// share link's secret. FAILED_LOGINS from 127.0.0.1 in this file: none (its own database).

const ADMIN = { username: "log-admin", password: "Log admin pw 7f3a9c" };
const QUERY_SECRET = "qs-secret-5b1e77";
const SHARE_SECRET = "share-secret-9d20c4";
const WS_TICKET = "ws-ticket-4e81aa";

interface Line {
  level: number;
  msg: string;
  component?: string;
  reqId?: string;
  method?: string;
  path?: string;
  status?: number | string;
  ms?: number;
  [k: string]: unknown;
}

function stackVar(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: source .stack/env (bash scripts/stack/up.sh) first`);
  return v;
}

let s: OwnServer;
let keyDir = "";

test.beforeAll(async () => {
  test.setTimeout(180_000);
  s = await ownServerStart({ env: { VIRTDECK_LOG_LEVEL: "debug" } });
  keyDir = mkdtempSync(path.join(tmpdir(), "vd-log-key-"));
});

test.afterAll(async () => {
  await s?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

function lines(): Line[] {
  return s
    .log()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Line);
}

/** A TCP port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === "object" && a ? a.port : 1));
    });
  });
}

/** A websocket upgrade request; resolves with the status the server answered (or 0 when it closed). */
function upgrade(pathAndQuery: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest({
      host: "127.0.0.1",
      port: s.port,
      path: pathAndQuery,
      headers: {
        connection: "Upgrade",
        upgrade: "websocket",
        "sec-websocket-version": "13",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
      },
    });
    req.on("response", (res) => (res.resume(), resolve(res.statusCode ?? 0)));
    req.on("upgrade", (res, socket) => (socket.destroy(), resolve(res.statusCode ?? 101)));
    req.on("error", () => resolve(0));
    req.end();
  });
}

test("one JSON line per request with its id; failures and host changes logged; no secret in the output", async () => {
  test.setTimeout(120_000);
  const ids: { id: string; method: string; path: string; status: number }[] = [];
  const call = async (method: string, url: string, init: { headers?: Record<string, string>; body?: unknown } = {}) => {
    const r = await fetch(`${s.base}${url}`, {
      method,
      headers: { ...(init.body !== undefined ? { "content-type": "application/json" } : {}), ...init.headers },
      body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
    });
    const id = r.headers.get("x-request-id");
    expect(id, `${method} ${url}: x-request-id`).toMatch(/^[0-9a-f-]{36}$/);
    ids.push({ id: id!, method, path: new URL(url, s.base).pathname, status: r.status });
    return r;
  };

  // First admin, then a sign-in with the known password.
  const setup = await call("POST", "/api/setup", { body: ADMIN });
  expect(setup.status, await setup.clone().text()).toBe(201);
  const login = await call("POST", "/api/auth/login", { body: ADMIN });
  expect(login.status).toBe(200);
  const cookies = login.headers.getSetCookie().map((c) => c.split(";")[0]);
  const cookieValues = cookies.map((c) => c.slice(c.indexOf("=") + 1)).filter((v) => v.length >= 16);
  expect(cookieValues.length).toBeGreaterThan(0);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const session = { cookie: cookies.join("; "), "x-csrf-token": csrfToken };

  // An API token, used as a Bearer token.
  const tok = await call("POST", "/api/tokens", {
    headers: session,
    body: { name: "log test", expiresInDays: 1, privileges: ["host.manage", "host.view"] },
  });
  expect(tok.status, await tok.clone().text()).toBe(201);
  const { token } = (await tok.json()) as { token: string };
  const bearer = { authorization: `Bearer ${token}` };
  expect((await call("GET", `/api/hosts?ticket=${QUERY_SECRET}`, { headers: bearer })).status).toBe(200);

  /** Adds the test stack's sshd as a host with a pasted key, tests the connection and confirms its key. */
  const stackHostAdd = async (name: string, privateKey: string, more: Record<string, unknown> = {}) => {
    const res = await call("POST", "/api/hosts", {
      headers: bearer,
      body: {
        name,
        address: stackVar("VD_TEST_SSH_HOST"),
        port: Number(stackVar("VD_TEST_SSH_PORT")),
        username: stackVar("VD_TEST_SSH_USER"),
        key: { kind: "paste", privateKey },
        ...more,
      },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const host = ((await res.json()) as { host: { id: string } }).host;
    expect((await call("POST", `/api/hosts/${host.id}/test`, { headers: bearer })).status).toBe(200);
    const confirmed = await call("POST", `/api/hosts/${host.id}/confirm-key`, {
      headers: bearer,
      body: { fingerprint: stackVar("VD_TEST_SSH_HOSTKEY_SHA256") },
    });
    expect(confirmed.status, await confirmed.clone().text()).toBe(200);
    return host;
  };

  // A host added with a pasted (generated) private key, pointing at a port nothing listens on.
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "log-test", "-f", path.join(keyDir, "id")]);
  const privateKey = readFileSync(path.join(keyDir, "id"), "utf8");
  const keyBody = privateKey.split("\n").filter((l) => l && !l.startsWith("-----"));
  expect(keyBody.length).toBeGreaterThan(0);
  const created = await call("POST", "/api/hosts", {
    headers: bearer,
    body: {
      name: "log-host",
      address: "127.0.0.1",
      port: await closedPort(),
      username: "root",
      key: { kind: "paste", privateKey },
    },
  });
  expect(created.status, await created.clone().text()).toBe(201);
  const { host } = (await created.json()) as { host: { id: string } };
  // Testing the connection finds the host offline: a host status line.
  const probe = await call("POST", `/api/hosts/${host.id}/test`, { headers: bearer });
  expect(probe.status, await probe.clone().text()).toBeLessThan(600);

  // The same key on a host that answers (the test stack's sshd) but does not know it: once its host
  // key is confirmed, a call through it fails with 502 (a failed action, logged with the error) and
  // the connection attempt marks the host offline.
  const host2 = await stackHostAdd("log-host-2", privateKey);
  const info = await call("GET", `/api/hosts/${host2.id}/info`, { headers: bearer });
  expect(info.status, await info.clone().text()).toBe(502);

  // The test stack's own key, pasted: the host comes online once its key is confirmed.
  const stackKey = readFileSync(stackVar("VD_TEST_SSH_KEY"), "utf8");
  const host3 = await stackHostAdd("log-host-3", stackKey, { libvirtUri: stackVar("VD_TEST_LIBVIRT_URI") });

  // Refused actions (debug level): a bad key, a wrong token, a share link that does not exist.
  expect(
    (
      await call("POST", "/api/hosts", {
        headers: bearer,
        body: { name: "bad", address: "127.0.0.1", username: "root", key: { kind: "paste", privateKey: "not a key" } },
      })
    ).status,
  ).toBe(422);
  expect((await call("GET", "/api/hosts", { headers: { authorization: "Bearer vdt_wrong_token_value" } })).status).toBe(
    401,
  );
  await call("POST", `/api/share/${SHARE_SECRET}/ticket?ticket=${QUERY_SECRET}`, { body: {} });
  // A websocket upgrade with its ticket in the query string.
  await upgrade(`/ws/console?ticket=${WS_TICKET}`);

  // Lines are written when responses close: give the last ones a moment.
  await expect
    .poll(() => lines().filter((l) => l.msg === "request").length, { timeout: 10_000 })
    .toBeGreaterThanOrEqual(ids.length);
  const all = lines();
  const requests = all.filter((l) => l.component === "http" && l.msg === "request");
  for (const r of ids) {
    const mine = requests.filter((l) => l.reqId === r.id);
    expect(mine, `${r.method} ${r.path}: one request line`).toHaveLength(1);
    expect(mine[0]).toMatchObject({ method: r.method, status: r.status, level: 30 });
    expect(mine[0].path).toBe(r.path.replace(SHARE_SECRET, ":token"));
    expect(typeof mine[0].ms).toBe("number");
  }
  expect(all.some((l) => l.msg.includes("listening on"))).toBe(true);
  expect(all.filter((l) => l.msg === "upgrade" && l.path === "/ws/console")).toHaveLength(1);

  // Failed actions, tagged with the request's id.
  const refused = all.filter((l) => l.component === "route" && l.msg === "action refused");
  const byId = (status: number, p: string) => ids.find((r) => r.status === status && r.path === p)!.id;
  expect(refused.find((l) => l.reqId === byId(422, "/api/hosts"))).toMatchObject({
    level: 20,
    status: 422,
    code: "invalid_input",
  });
  expect(refused.find((l) => l.reqId === byId(401, "/api/hosts"))).toMatchObject({ level: 20, status: 401 });
  // A failed action (5xx): error level, with the error, tagged with its request id.
  expect(
    all.find(
      (l) =>
        l.component === "route" && l.msg === "action failed" && l.reqId === byId(502, `/api/hosts/${host2.id}/info`),
    ),
  ).toMatchObject({
    level: 50,
    status: 502,
    code: "host_unreachable",
    err: { type: "AppError", message: expect.stringContaining("SSH authentication failed") },
  });
  expect(all.find((l) => l.component === "fleet" && l.hostId === host2.id && l.status === "offline")).toMatchObject({
    level: 40,
  });
  expect(all.find((l) => l.component === "fleet" && l.hostId === host3.id && l.status === "online")).toMatchObject({
    level: 30,
    msg: "host online",
  });
  // The host's connection change.
  expect(all.find((l) => l.component === "fleet" && l.hostId === host.id && l.status === "offline")).toMatchObject({
    level: 40,
    msg: "host offline",
  });

  // No secret anywhere in the captured output (JSON lines or not).
  const text = s.log();
  const secrets: [string, string][] = [
    ["password", ADMIN.password],
    ["API token", token],
    ["CSRF token", csrfToken],
    ["query string", QUERY_SECRET],
    ["share secret", SHARE_SECRET],
    ["websocket ticket", WS_TICKET],
    ...cookieValues.map((v): [string, string] => ["session cookie", v]),
    ...keyBody.map((l): [string, string] => ["private key", l]),
    ...stackKey
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .map((l): [string, string] => ["stack private key", l]),
  ];
  for (const [what, value] of secrets) expect(text.includes(value), `${what} in the server log`).toBe(false);
});
