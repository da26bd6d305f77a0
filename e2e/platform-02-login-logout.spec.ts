import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { SESSION_COOKIE, baseURL, sessionCookie, submitLogin } from "./helpers/session";

// FAILED_LOGINS from 127.0.0.1 in this file: 1.

test("a signed-out visitor is sent to the login page", async ({ page }) => {
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByRole("heading", { name: "Sign in to virtdeck" })).toBeVisible();
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);
});

test("a wrong password is refused with a message; the right one opens the console", async ({ page, context }) => {
  await page.goto("/login");
  const refused = await submitLogin(page, ADMIN.username, "not the password");
  expect(refused.status()).toBe(401);
  await expect(page.getByTestId("form-error")).toHaveText("Invalid username or password");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  expect((await context.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(false);

  const accepted = await submitLogin(page, ADMIN.username, ADMIN.password);
  expect(accepted.status()).toBe(200);
  await expect(page).toHaveURL(/\/vms(\?|$)/);
  await expect(page.getByTestId("app-shell")).toBeVisible();
  await page.getByTestId("user-menu").click();
  await expect(page.getByTestId("user-menu-name")).toHaveText(ADMIN.displayName);
});

test("logging out through the user menu ends the session on the server", async ({ page, context, browser }) => {
  await page.goto("/login");
  expect((await submitLogin(page, ADMIN.username, ADMIN.password)).status()).toBe(200);
  await expect(page).toHaveURL(/\/vms(\?|$)/);
  const before = await sessionCookie(context);

  await page.getByTestId("user-menu").click();
  const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/auth/logout");
  await page.getByTestId("logout-button").click();
  expect((await loggedOut).status()).toBe(200);
  await expect(page).toHaveURL(/\/login(\?|$)/);

  await page.goto("/vms");
  await expect(page).toHaveURL(/\/login(\?|$)/);

  // Replaying the old cookie from another browser must not work: the session was revoked, not just forgotten.
  const replay = await browser.newContext({ baseURL: baseURL() });
  await replay.addCookies([{ ...before }]);
  expect((await replay.request.get("/api/auth/me")).status()).toBe(401);
  const replayPage = await replay.newPage();
  await replayPage.goto("/vms");
  await expect(replayPage).toHaveURL(/\/login(\?|$)/);
  await replay.close();
});
