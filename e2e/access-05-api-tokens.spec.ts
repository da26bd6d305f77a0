import { expect, test } from "@playwright/test";
import { ADMIN, type Account } from "./helpers/accounts";
import { baseURL, expectApiError, loginApi } from "./helpers/session";
import { signedInContext } from "./helpers/session";
import { userCreate } from "./helpers/users";

// API tokens from the account page: created with a privilege subset, shown
// once, used as `Authorization: Bearer` by a client with no cookies, revoked.
const TOKY: Account = { username: "toky", displayName: "Toky Tokens", password: "toky password 42", role: "operator" };

test.describe.configure({ mode: "serial" });

let token = "";

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, TOKY);
  await admin.context.close();
});

test("creates a token limited to vm.view and shows it once", async ({ page }) => {
  await loginApi(page.request, TOKY);
  await page.goto("/account");
  await expect(page.getByTestId("tokens-empty")).toBeVisible();
  await page.getByTestId("token-new").click();
  // Only privileges the operator holds are offered.
  await expect(page.getByTestId("token-priv-vm.power")).toBeVisible();
  await expect(page.getByTestId("token-priv-user.manage")).toHaveCount(0);
  await page.getByTestId("token-name").fill("e2e reader");
  await page.getByTestId("token-days").fill("7");
  await page.getByTestId("token-priv-vm.view").check();
  await page.getByTestId("token-submit").click();
  await expect(page.getByTestId("token-created")).toBeVisible();
  token = (await page.getByTestId("token-value").textContent()) ?? "";
  expect(token).toMatch(/^vdt_[a-z2-7]{12}_/);
  const row = page.locator('[data-testid="token-row"][data-name="e2e reader"]');
  await expect(row).toHaveAttribute("data-status", "active");
  await expect(row).toContainText("vm.view");
  await page.reload();
  await expect(page.getByTestId("token-value")).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
});

test("a cookie-less client uses the token: reads VMs, is refused what the token does not carry", async ({
  playwright,
}) => {
  const client = await playwright.request.newContext({
    baseURL: baseURL(),
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  expect((await client.get("/api/vms")).status()).toBe(200);
  const me = await client.get("/api/auth/me");
  expect((await me.json()).user.username).toBe(TOKY.username);
  // host.manage is the owner's, not the token's; tokens cannot mint tokens.
  await expectApiError(
    await client.post("/api/hosts", { data: { name: "x", address: "127.0.0.1", username: "root" } }),
    403,
    "forbidden",
  );
  await expectApiError(
    await client.post("/api/tokens", { data: { name: "child", expiresInDays: 1, privileges: ["vm.view"] } }),
    403,
    "forbidden",
  );
  // The OpenAPI document advertises the bearer scheme.
  const doc = await (await client.get("/api/openapi.json")).json();
  expect(doc.components.securitySchemes.bearerToken).toMatchObject({ type: "http", scheme: "bearer" });
  expect(doc.paths["/api/vms"].get.security).toContainEqual({ bearerToken: [] });
  await client.dispose();
});

test("an administrator sees the token on the Security page; the owner revokes it and it stops working", async ({
  page,
  browser,
  playwright,
}) => {
  const admin = await signedInContext(browser, ADMIN);
  await admin.page.goto("/security");
  await expect(
    admin.page.getByTestId("tokens-all-table").locator('[data-testid="token-row"][data-name="e2e reader"]'),
  ).toContainText(TOKY.username);
  await admin.context.close();

  await loginApi(page.request, TOKY);
  await page.goto("/account");
  await page.locator('[data-testid="token-row"][data-name="e2e reader"]').getByTestId("token-revoke").click();
  await page.getByTestId("token-revoke-dialog-confirm").click();
  await expect(page.locator('[data-testid="token-row"][data-name="e2e reader"]')).toHaveAttribute(
    "data-status",
    "revoked",
  );
  const client = await playwright.request.newContext({
    baseURL: baseURL(),
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  await expectApiError(await client.get("/api/vms"), 401, "unauthorized", /revoked/);
  await client.dispose();
});
