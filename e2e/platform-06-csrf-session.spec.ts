import { expect, test, type APIResponse } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { api, expectApiError, loginApi, sessionCookie, signedInContext } from "./helpers/session";
import { userCreate, userFind } from "./helpers/users";

test.describe.configure({ mode: "serial" });

test("a mutation without the session's CSRF token is refused with 403 csrf_failed and changes nothing", async ({
  page,
  browser,
}) => {
  await loginApi(page.request, ADMIN);
  const admin = await api(page.request);
  const target = await userCreate(admin, {
    username: "csrf-target",
    displayName: "Before",
    password: "csrf target pw",
    role: "helpdesk",
  });
  // The token of another valid session of the same admin: tokens belong to one session.
  const other = await signedInContext(browser, ADMIN);
  expect(other.api.csrfToken).not.toBe(admin.csrfToken);
  const tampered = admin.csrfToken.slice(0, -1) + (admin.csrfToken.endsWith("A") ? "B" : "A");
  const r = page.request;

  const newUser = { username: "csrf-new", role: "admin", password: "csrf new password" };

  const refused: [string, () => Promise<APIResponse>][] = [
    ["POST /api/users without a token", () => r.post("/api/users", { data: newUser })],
    [
      "POST /api/users with a tampered token",
      () => r.post("/api/users", { headers: { "x-csrf-token": tampered }, data: newUser }),
    ],
    [
      "PATCH with another session's token",
      () =>
        r.patch(`/api/users/${target.id}`, {
          headers: { "x-csrf-token": other.api.csrfToken },
          data: { displayName: "Changed" },
        }),
    ],
    [
      "PATCH with an empty token",
      () => r.patch(`/api/users/${target.id}`, { headers: { "x-csrf-token": "" }, data: { role: "admin" } }),
    ],
    ["DELETE without a token", () => r.delete(`/api/users/${target.id}`)],
    [
      "password reset without a token",
      () => r.post(`/api/users/${target.id}/password`, { data: { password: "hijacked password" } }),
    ],
    ["logout without a token", () => r.post("/api/auth/logout")],
  ];
  for (const [what, send] of refused) {
    await test.step(what, async () => {
      await expectApiError(await send(), 403, "csrf_failed", "Missing or invalid CSRF token");
    });
  }
  // The right token from another site is refused too.
  await expectApiError(
    await r.patch(`/api/users/${target.id}`, {
      headers: { "x-csrf-token": admin.csrfToken, origin: "https://evil.example" },
      data: { displayName: "Changed" },
    }),
    403,
    "csrf_failed",
    "Cross-site request refused",
  );

  expect(await userFind(admin, "csrf-new")).toBeUndefined();
  expect(await userFind(admin, "csrf-target")).toMatchObject({
    displayName: "Before",
    role: "helpdesk",
    disabled: false,
  });
  expect((await r.get("/api/auth/me")).status()).toBe(200); // the refused logout left the session alone
  await loginApi(other.page.request, { username: "csrf-target", password: "csrf target pw" }); // password unchanged
  // With the right token the same change goes through: the refusals above were about CSRF only.
  expect((await admin.patch(`/api/users/${target.id}`, { displayName: "After" })).status()).toBe(200);
  expect(await userFind(admin, "csrf-target")).toMatchObject({ displayName: "After" });
  await other.context.close();
});

test("a tampered session cookie is not a session", async ({ page, context }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/vms(\?|$)/);
  const cookie = await sessionCookie(context);

  const last = cookie.value.at(-1);
  await context.addCookies([{ ...cookie, value: cookie.value.slice(0, -1) + (last === "A" ? "B" : "A") }]);
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);

  await context.addCookies([{ ...cookie, value: "../../etc/passwd" }]);
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/login(\?|$)/);
  expect((await page.request.get("/api/auth/me")).status()).toBe(401);

  // The untouched cookie still works: the redirects above came from the tampering.
  await context.addCookies([cookie]);
  await page.goto("/vms");
  await expect(page).toHaveURL(/\/vms(\?|$)/);
});
