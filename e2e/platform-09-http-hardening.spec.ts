import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { expect, test } from "@playwright/test";
import { ownServerStart, type OwnServer } from "./helpers/own-server";

// The HTTP edge of a production server (dist/server.mjs) of its own: request body budgets (memory
// of the server process measured while a 1 GiB chunked body is sent), request heads, security
// headers, cookie names behind an HTTPS proxy, and where sign-in sends the browser.
// Started with a 1 MiB --max-http-header-size: the server must bound request heads itself.
// FAILED_LOGINS from 127.0.0.1 in this file: none on the shared server (this one has its own database).

const MiB = 1024 * 1024;
const ADMIN = { username: "edge-admin", password: "edge admin password" };

let s: OwnServer;
let adminCookie = "";
let adminCsrf = "";

test.beforeAll(async () => {
  test.setTimeout(180_000);
  s = await ownServerStart({ env: { VIRTDECK_TRUST_PROXY: "true" }, nodeArgs: ["--max-http-header-size=1048576"] });
  const r = await fetch(`${s.base}/api/setup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  expect(r.status, await r.clone().text()).toBe(201);
  adminCookie = r.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  adminCsrf = ((await r.json()) as { csrfToken: string }).csrfToken;
});

test.afterAll(async () => {
  await s?.stop();
});

interface Streamed {
  status: number | null;
  /** Body bytes written when the answer arrived. */
  sentAtAnswer: number;
  sent: number;
  /** The server closed the connection (the rest of the body was not read). */
  closed: boolean;
  peakRssGrowth: number;
}

/**
 * POSTs a chunked body of up to `total` bytes, made on the fly (`{"username":"aaaa...`), while
 * sampling the server's RSS. Stops when the server answers and closes, or when the server's RSS has
 * grown by 256 MiB (then the test fails without taking the machine's memory).
 */
async function postStreamed(path: string, total: number, headers: Record<string, string> = {}): Promise<Streamed> {
  const base = s.rss();
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, s.rss())), 20);
  const out: Streamed = { status: null, sentAtAnswer: -1, sent: 0, closed: false, peakRssGrowth: 0 };
  const req = httpRequest({
    host: "127.0.0.1",
    port: s.port,
    path,
    method: "POST",
    headers: { "content-type": "application/json", "transfer-encoding": "chunked", ...headers },
  });
  let answeredAt = 0;
  const closed = new Promise<void>((resolve) => req.once("close", resolve));
  req.on("error", () => {});
  req.on("response", (res) => {
    out.status = res.statusCode ?? null;
    out.sentAtAnswer = out.sent;
    answeredAt = Date.now();
    res.resume();
  });
  req.once("close", () => (out.closed = true));
  const chunk = Buffer.alloc(64 * 1024, "a");
  req.write('{"username":"');
  while (out.sent < total && !out.closed) {
    if (peak - base > 256 * MiB) break;
    if (answeredAt && Date.now() - answeredAt > 5_000) break; // answered but still reading: not closed
    out.sent += chunk.length;
    if (!req.write(chunk)) {
      await Promise.race([new Promise((r) => req.once("drain", r)), closed, new Promise((r) => setTimeout(r, 200))]);
    }
  }
  // All sent without an answer: end the body and give the server time to answer.
  if (!out.closed && out.status === null && out.sent >= total) {
    req.end('"}');
    await Promise.race([closed, new Promise((r) => setTimeout(r, 10_000))]);
  }
  req.destroy();
  await closed;
  clearInterval(sampler);
  peak = Math.max(peak, s.rss());
  out.peakRssGrowth = peak - base;
  return out;
}

test("a 1 GiB chunked body to the sign-in API is cut at its budget: 413 at once, connection closed, memory flat", async () => {
  test.setTimeout(120_000);
  // Warm up the route, so its code is loaded before memory is measured.
  await fetch(`${s.base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "x", password: "y" }),
  });
  const r = await postStreamed("/api/auth/login", 1024 * MiB);
  console.log(`1 GiB to /api/auth/login: ${JSON.stringify(r)}`);
  expect(r.status).toBe(413);
  expect(r.sentAtAnswer).toBeLessThan(64 * MiB);
  expect(r.closed).toBe(true);
  expect(r.sent).toBeLessThan(256 * MiB);
  expect(r.peakRssGrowth).toBeLessThan(64 * MiB);
});

test("a signed-in route takes JSON up to 1 MiB and cuts a larger chunked body with 413", async () => {
  test.setTimeout(60_000);
  const headers = { cookie: adminCookie, "x-csrf-token": adminCsrf };
  const big = await postStreamed("/api/users", MiB + 64 * 1024, headers);
  expect(big.status).toBe(413);
  expect(big.closed).toBe(true);
  // Within the budget the body is read and validated (422: not a valid user).
  const fits = await fetch(`${s.base}/api/users`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ username: "a".repeat(900 * 1024) }),
  });
  expect(fits.status).toBe(422);
  // A declared Content-Length over the budget is refused before anything is read.
  const declared = await fetch(`${s.base}/api/users`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify({ username: "a".repeat(MiB + 10) }),
  });
  expect(declared.status).toBe(413);
  expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
});

/** Sends raw bytes and returns what the server answered before it closed (or 5 s passed). */
function rawExchange(data: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(s.port, "127.0.0.1");
    const got: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      resolve(Buffer.concat(got).toString("latin1"));
    };
    const timer = setTimeout(done, 5_000);
    sock.on("data", (d) => got.push(d));
    sock.on("close", done);
    sock.on("error", done);
    sock.write(data);
  });
}

/** Reads from a socket until `pattern` matches what came so far (or 5 s pass), and returns it. */
function readUntil(sock: Socket, got: { text: string }, pattern: RegExp): Promise<string> {
  return new Promise((resolve) => {
    const check = () => {
      if (!pattern.test(got.text)) return;
      finish();
    };
    const finish = () => {
      clearTimeout(timer);
      sock.off("data", check);
      sock.off("close", finish);
      resolve(got.text);
    };
    const timer = setTimeout(finish, 5_000);
    sock.on("data", check);
    sock.on("close", finish);
    check();
  });
}

test("a small body a route answered without reading leaves the kept-alive connection usable for the next request", async () => {
  const sock = connect(s.port, "127.0.0.1");
  const got = { text: "" };
  sock.on("data", (d: Buffer) => (got.text += d.toString("latin1")));
  sock.on("error", () => {});
  const body = JSON.stringify({ username: "late body" });
  // The head alone: the route refuses an unsigned caller before it reads anything.
  sock.write(
    `POST /api/users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  const first = await readUntil(sock, got, /^HTTP\/1\.1 4\d\d [^]*?\r\n\r\n[^]*\}/);
  expect(first).toMatch(/^HTTP\/1\.1 40[13] /);
  expect(first).not.toMatch(/\r\nconnection: close\r\n/i);
  // Then the body, and a second request on the same connection, as a keep-alive client does.
  sock.write(body);
  sock.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  const both = await readUntil(sock, got, /HTTP\/1\.1 200 [^]*"status"/);
  sock.destroy();
  expect(both.match(/HTTP\/1\.1 \d{3} /g)).toEqual([expect.stringMatching(/ 40[13] $/), "HTTP/1.1 200 "]);
});

test("a CONNECT request head over 16 KiB is refused with 431, whatever Node's own header limit", async () => {
  const pad = "x".repeat(20 * 1024);
  const answer = await rawExchange(
    `CONNECT vd-${"0".repeat(32)}.${"0".repeat(32)}:5900 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${pad}\r\n\r\n`,
  );
  expect(answer).toMatch(/^HTTP\/1\.1 431 /);
  // A plain request with such a head too.
  expect(await rawExchange(`GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${pad}\r\n\r\n`)).toMatch(
    /^HTTP\/1\.1 431 /,
  );
});

test("a declared Content-Length over the budget is refused before the body is sent, also under Expect: 100-continue", async () => {
  const head = (extra: string) =>
    `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${2 * 1024 * MiB}\r\n${extra}\r\n`;
  // Nothing of the body is sent: the answer comes at once, and the server closes the connection.
  expect(await rawExchange(head("Expect: 100-continue\r\n"))).toMatch(/^HTTP\/1\.1 413 /);
  expect(await rawExchange(head(""))).toMatch(/^HTTP\/1\.1 413 /);
});

test("pages and API answers forbid framing: CSP frame-ancestors 'none' and X-Frame-Options DENY", async () => {
  for (const path of ["/login", "/vms", "/api/health", "/share/not-a-link"]) {
    const r = await fetch(`${s.base}${path}`, { redirect: "manual" });
    expect(r.headers.get("content-security-policy"), path).toContain("frame-ancestors 'none'");
    expect(r.headers.get("x-frame-options"), path).toBe("DENY");
  }
});

test("behind an HTTPS proxy the session cookie is __Host- prefixed and Secure, and only that name is read", async () => {
  const https = { "x-forwarded-proto": "https", "content-type": "application/json" };
  const login = await fetch(`${s.base}/api/auth/login`, {
    method: "POST",
    headers: https,
    body: JSON.stringify(ADMIN),
  });
  expect(login.status).toBe(200);
  const set = login.headers.getSetCookie();
  const session = set.find((c) => c.startsWith("__Host-vd_session="));
  expect(session, set.join("\n")).toBeDefined();
  expect(session).toMatch(/;\s*Secure/i);
  expect(session).toMatch(/;\s*Path=\/(;|$)/i);
  expect(session).not.toMatch(/;\s*Domain=/i);
  const token = session!.split(";")[0].slice("__Host-vd_session=".length);
  expect(
    (await fetch(`${s.base}/api/auth/me`, { headers: { ...https, cookie: `__Host-vd_session=${token}` } })).status,
  ).toBe(200);
  // Over HTTPS a cookie without the prefix (which a sibling site or plain HTTP could plant) is not read.
  expect((await fetch(`${s.base}/api/auth/me`, { headers: { ...https, cookie: `vd_session=${token}` } })).status).toBe(
    401,
  );

  // Over plain HTTP: the plain name, not Secure.
  const plain = await fetch(`${s.base}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(ADMIN),
  });
  const plainCookie = plain.headers.getSetCookie().find((c) => c.startsWith("vd_session="));
  expect(plainCookie).toBeDefined();
  expect(plainCookie).not.toMatch(/;\s*Secure/i);
});

test("next=/%09/evil.com: a signed-in visitor is redirected on the app's own origin", async () => {
  for (const next of [
    "/%09/evil.com",
    "/%0a/evil.com",
    "//evil.com",
    "/%5cevil.com",
    "https://evil.com",
    "/%2e%2e//evil.com",
  ]) {
    const r = await fetch(`${s.base}/login?next=${next}`, { headers: { cookie: adminCookie }, redirect: "manual" });
    expect(r.status, next).toBeGreaterThanOrEqual(300);
    expect(r.status, next).toBeLessThan(400);
    const location = r.headers.get("location") ?? "";
    // Resolved the way a browser does (tabs and newlines dropped, \ as /).
    expect(new URL(location, s.base).origin, `${next} -> ${JSON.stringify(location)}`).toBe(s.base);
  }
});

test("next=/%09/evil.com: signing in through the form ends on the app's origin", async ({ page }) => {
  await page.goto(`${s.base}/login?next=/%09/evil.com`);
  await page.getByTestId("login-username").fill(ADMIN.username);
  await page.getByTestId("login-password").fill(ADMIN.password);
  await page.getByTestId("login-submit").click();
  await expect(page).toHaveURL(/\/vms(\?|$)/);
  expect(new URL(page.url()).origin).toBe(s.base);
});
