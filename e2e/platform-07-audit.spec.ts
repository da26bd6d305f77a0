import { expect, test, type Page } from "@playwright/test";
import { ADMIN, HELPDESK, LOCKED_OUT, OPERATOR } from "./helpers/accounts";
import { loginApi } from "./helpers/session";

// The audit log as the earlier platform specs left it (run the whole
// platform-* series: this file reads what 01-06 did).
test.describe.configure({ mode: "serial" });

test.beforeEach(async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/audit");
  await expect(page.getByTestId("audit-table")).toBeVisible();
});

async function filter(
  page: Page,
  f: { actor?: string; action?: string; outcome?: "" | "success" | "failure" | "denied" },
) {
  await page.getByTestId("audit-filter-actor").fill(f.actor ?? "");
  await page.getByTestId("audit-filter-action").fill(f.action ?? "");
  await page.getByTestId("audit-filter-outcome").selectOption(f.outcome ?? "");
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/audit");
  await page.getByTestId("audit-filter-submit").click();
  expect((await answer).status()).toBe(200);
}

const rows = (page: Page) => page.getByTestId("audit-row");
const rowsOf = (page: Page, action: string, outcome?: string) =>
  page.locator(`[data-testid="audit-row"][data-action="${action}"]${outcome ? `[data-outcome="${outcome}"]` : ""}`);

test("the newest event comes first: this admin's own sign-in", async ({ page }) => {
  const first = rows(page).first();
  await expect(first).toHaveAttribute("data-action", "auth.login");
  await expect(first).toHaveAttribute("data-outcome", "success");
  await expect(first).toContainText(ADMIN.username);
});

test("filtering by action shows the first-run setup alone", async ({ page }) => {
  await filter(page, { action: "auth.setup" });
  await expect(rows(page)).toHaveCount(1);
  await expect(rowsOf(page, "auth.setup", "success")).toContainText(`user: ${ADMIN.username}`);
});

test("successful and failed sign-ins, the lock-out and the logout are recorded", async ({ page }) => {
  await filter(page, { action: "auth.login", outcome: "failure" });
  await expect(page.locator('[data-testid="audit-row"]:not([data-outcome="failure"])')).toHaveCount(0);
  await expect(rowsOf(page, "auth.login", "failure").filter({ hasText: LOCKED_OUT.username })).toHaveCount(5);
  await expect(
    rowsOf(page, "auth.login", "failure")
      .filter({ hasText: '"reason":"bad_password"' })
      .filter({ hasText: ADMIN.username }),
  ).not.toHaveCount(0);
  await expect(
    rowsOf(page, "auth.login", "failure").filter({ hasText: '"reason":"disabled"' }).filter({ hasText: "carol" }),
  ).toHaveCount(1);

  // Refusals while locked out are "denied", not more failures: 1 in the browser, 2 through the API.
  await filter(page, { actor: LOCKED_OUT.username, outcome: "denied" });
  await expect(rows(page)).toHaveCount(3);
  await expect(rowsOf(page, "auth.login", "denied").filter({ hasText: '"reason":"rate_limited"' })).toHaveCount(3);

  await filter(page, { actor: ADMIN.username, action: "auth.login", outcome: "success" });
  await expect(
    page.locator('[data-testid="audit-row"]:not([data-action="auth.login"][data-outcome="success"])'),
  ).toHaveCount(0);
  await expect(rows(page)).not.toHaveCount(0);

  await filter(page, { action: "auth.logout" });
  await expect(page.locator('[data-testid="audit-row"]:not([data-action="auth.logout"])')).toHaveCount(0);
  await expect(rowsOf(page, "auth.logout", "success").filter({ hasText: `user: ${ADMIN.username}` })).not.toHaveCount(
    0,
  );
});

test("user changes are recorded with their target", async ({ page }) => {
  await filter(page, { action: "user." });
  await expect(page.locator('[data-testid="audit-row"]:not([data-action^="user."])')).toHaveCount(0);
  const about = (action: string, username: string) =>
    rowsOf(page, action, "success").filter({ hasText: `user: ${username}` });
  await expect(about("user.create", "carol")).toHaveCount(1);
  await expect(about("user.create", "carol")).toContainText('"role":"operator"');
  // Details are JSON (jsonb: key order is the database's), so match the pieces.
  const edit = about("user.update", "carol");
  await expect(edit).toHaveCount(1);
  for (const piece of ['"from":"operator"', '"to":"helpdesk"', '"from":"Carol Jones"', '"to":"Carol J. Ops"'])
    await expect(edit).toContainText(piece);
  await expect(about("user.password_reset", "carol")).toHaveCount(1);
  await expect(about("user.disable", "carol")).toHaveCount(1);
  await expect(about("user.enable", "carol")).toHaveCount(1);
  await expect(about("user.delete", "carol")).toHaveCount(1);
  for (const username of [
    LOCKED_OUT.username,
    HELPDESK.username,
    OPERATOR.username,
    "mallory",
    "victim",
    "csrf-target",
  ]) {
    await expect(about("user.create", username)).toHaveCount(1);
  }
  // Refused input created or changed nothing, so it left no user events.
  await expect(
    page.locator('[data-testid="audit-row"]').filter({ hasText: /user: (huge|long|csrf-new|made-by-)/ }),
  ).toHaveCount(0);
  await expect(about("user.update", "victim")).toHaveCount(0);
});

test("denied API and page accesses are recorded per user with the refused path", async ({ page }) => {
  await filter(page, { action: "access.denied" });
  await expect(page.locator('[data-testid="audit-row"]:not([data-outcome="denied"])')).toHaveCount(0);
  for (const account of [HELPDESK, OPERATOR]) {
    // GET and POST /api/users, GET /api/audit, PATCH /api/users/<own id>, pages /users and /audit: see platform-05.
    const mine = rowsOf(page, "access.denied", "denied").filter({ hasText: account.username });
    await expect(mine).toHaveCount(6);
    await expect(mine.filter({ hasText: '"path":"/users"' })).toHaveCount(1);
    await expect(mine.filter({ hasText: '"path":"/api/audit"' })).toHaveCount(1);
    await expect(mine.filter({ hasText: '"method":"POST"' }).filter({ hasText: '"path":"/api/users"' })).toHaveCount(1);
  }

  await filter(page, { actor: HELPDESK.username });
  await expect(page.locator(`[data-testid="audit-row"]:not(:has-text("${HELPDESK.username}"))`)).toHaveCount(0);
  await expect(rowsOf(page, "access.denied")).toHaveCount(6);
});
