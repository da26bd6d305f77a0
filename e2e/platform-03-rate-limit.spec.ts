import { expect, test } from "@playwright/test";
import { ADMIN, LOCKED_OUT } from "./helpers/accounts";
import { expectApiError, loginApi, signedInContext, submitLogin } from "./helpers/session";
import { userCreate } from "./helpers/users";

// Default limits: 5 sign-in attempts per account and source address, 20 failures per source address, per 15 minutes.
// FAILED_LOGINS from 127.0.0.1 in this file: 5 (refusals for the lock-out do not count).
const MAX_PER_ACCOUNT = 5;
const WINDOW_SECONDS = 15 * 60;

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, LOCKED_OUT);
  await admin.context.close();
});

test("after 5 failed sign-ins from an address the account is locked there, even for the right password", async ({
  page,
}) => {
  await page.goto("/login");
  for (let attempt = 1; attempt <= MAX_PER_ACCOUNT; attempt++) {
    const res = await submitLogin(page, LOCKED_OUT.username, `wrong password ${attempt}`);
    expect(res.status(), `attempt ${attempt}`).toBe(401);
    await expect(page.getByTestId("form-error")).toHaveText("Invalid username or password");
  }

  const locked = await submitLogin(page, LOCKED_OUT.username, LOCKED_OUT.password);
  expect(locked.status()).toBe(429);
  await expect(page.getByTestId("form-error")).toContainText("Too many failed sign-in attempts");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);
});

test("the API answers 429 with Retry-After for the locked account", async ({ request }) => {
  const res = await request.post("/api/auth/login", {
    data: { username: LOCKED_OUT.username, password: LOCKED_OUT.password },
  });
  await expectApiError(res, 429, "rate_limited", /Too many failed sign-in attempts/);
  const retryAfter = Number(res.headers()["retry-after"]);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
  // The username is normalised before counting: a different spelling is the same account.
  const upper = await request.post("/api/auth/login", {
    data: { username: ` ${LOCKED_OUT.username.toUpperCase()} `, password: LOCKED_OUT.password },
  });
  expect(upper.status()).toBe(429);
  expect((await request.get("/api/auth/me")).status()).toBe(401);
});

test("the lock is per account: other users still sign in from the same address", async ({ request }) => {
  await loginApi(request, ADMIN);
  expect((await request.get("/api/auth/me")).status()).toBe(200);
});
