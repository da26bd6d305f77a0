import { expect, test } from "@playwright/test";
import { ADMIN, HELPDESK, OPERATOR } from "./helpers/accounts";
import { api, expectApiError, loginApi, signedInContext } from "./helpers/session";
import { userCreate, userFind } from "./helpers/users";

// Users and the audit log are for admins only: hidden in the navigation and
// refused by the pages and the API for everyone else.
test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, HELPDESK);
  await userCreate(admin.api, OPERATOR);
  await admin.context.close();
});

test("an admin sees Users and Audit log in the navigation", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/vms");
  const nav = page.getByTestId("sidebar");
  await expect(nav.getByTestId("nav-users")).toHaveText("Users");
  await expect(nav.getByTestId("nav-audit")).toHaveText("Audit log");
});

for (const account of [HELPDESK, OPERATOR]) {
  test.describe(`${account.role} (${account.username})`, () => {
    test.beforeEach(async ({ page }) => {
      await loginApi(page.request, account);
    });

    test("sees neither Users nor Audit log in the navigation", async ({ page }) => {
      await page.goto("/vms");
      const nav = page.getByTestId("sidebar");
      await expect(nav.getByTestId("nav-vms")).toBeVisible();
      await expect(nav.getByTestId("nav-users")).toHaveCount(0);
      await expect(nav.getByTestId("nav-audit")).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Users" })).toHaveCount(0);
      await expect(page.getByRole("link", { name: "Audit log" })).toHaveCount(0);
    });

    test("gets 403 for the /users and /audit pages", async ({ page }) => {
      for (const path of ["/users", "/audit"]) {
        const res = await page.goto(path);
        expect(res?.status(), path).toBe(403);
        await expect(page.getByTestId("forbidden")).toBeVisible();
        await expect(page.getByTestId("users-table")).toHaveCount(0);
        await expect(page.getByTestId("audit-table")).toHaveCount(0);
      }
    });

    test("gets 403 from the users and audit API, and creates nobody", async ({ page, browser }) => {
      const me = await api(page.request);
      await expectApiError(await me.get("/api/users"), 403, "forbidden");
      await expectApiError(await me.get("/api/audit"), 403, "forbidden");
      const intruder = `made-by-${account.username}`;
      await expectApiError(
        await me.post("/api/users", {
          username: intruder,
          displayName: "Intruder",
          role: "admin",
          password: "intruder password",
        }),
        403,
        "forbidden",
      );
      const admin = await signedInContext(browser, ADMIN);
      const self = await userFind(admin.api, account.username);
      // Nor may they promote themselves.
      await expectApiError(await me.patch(`/api/users/${self!.id}`, { role: "admin" }), 403, "forbidden");
      expect(await userFind(admin.api, intruder)).toBeUndefined();
      expect(await userFind(admin.api, account.username)).toMatchObject({ role: account.role });
      await admin.context.close();
    });
  });
}
