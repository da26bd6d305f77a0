import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { api, baseURL, expectApiError, loginApi } from "./helpers/session";
import { usersList } from "./helpers/users";

// First run. Must be the first spec against the fresh database: it creates the
// admin every later spec signs in with.
test.describe.configure({ mode: "serial" });

test("an empty database sends every page to the first-run setup", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/setup$/);
  await page.goto("/login");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to virtdeck" })).toBeVisible();
});

test("setup refuses a mismatched confirmation and a short password, then creates the admin", async ({ page }) => {
  await page.goto("/setup");
  const username = page.getByTestId("setup-username");
  const password = page.getByTestId("setup-password");
  const confirm = page.getByTestId("setup-password-confirm");

  // Mismatch: both passwords are valid on their own, so only the confirmation check stops this.
  await username.fill(ADMIN.username);
  await page.getByTestId("setup-displayname").fill(ADMIN.displayName);
  await password.fill(ADMIN.password);
  await confirm.fill(`${ADMIN.password}!`);
  await page.getByTestId("setup-submit").click();
  await expect(page.getByText("The passwords do not match")).toBeVisible();
  await expect(confirm).toHaveAttribute("aria-invalid", "true");
  await expect(page).toHaveURL(/\/setup$/);

  // Too short: the server's rule, shown under the password field.
  await password.fill("short1");
  await confirm.fill("short1");
  const refused = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/setup");
  await page.getByTestId("setup-submit").click();
  expect((await refused).status()).toBe(422);
  await expect(page.getByText("Password must be at least 8 characters")).toBeVisible();
  await expect(password).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByText("The passwords do not match")).toHaveCount(0);

  // Neither attempt created an account: a reload still shows the setup form.
  await page.reload();
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByTestId("setup-submit")).toBeVisible();

  await username.fill(ADMIN.username);
  await page.getByTestId("setup-displayname").fill(ADMIN.displayName);
  await password.fill(ADMIN.password);
  await confirm.fill(ADMIN.password);
  await page.getByTestId("setup-submit").click();
  await expect(page).toHaveURL(/\/vms(\?|$)/);

  // Signed in as the new admin.
  const me = await page.request.get("/api/auth/me");
  expect(me.status()).toBe(200);
  expect((await me.json()).user).toMatchObject({
    username: ADMIN.username,
    displayName: ADMIN.displayName,
    role: "admin",
  });
});

test("after setup, /setup sends visitors to sign in and the setup API refuses with 409", async ({
  browser,
  request,
}) => {
  const visitor = await browser.newContext({ baseURL: baseURL() });
  const page = await visitor.newPage();
  await page.goto("/setup");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  await expect(page.getByTestId("login-submit")).toBeVisible();
  await visitor.close();

  const second = await request.post("/api/setup", {
    data: { username: "intruder", displayName: "Second Admin", password: "another long password" },
  });
  await expectApiError(second, 409, "setup_done");

  // The refused request created no account and no session.
  expect((await request.get("/api/auth/me")).status()).toBe(401);
  await loginApi(request, ADMIN);
  const users = await usersList(await api(request));
  expect(users.map((u) => `${u.username}:${u.role}`)).toEqual([`${ADMIN.username}:admin`]);
});
