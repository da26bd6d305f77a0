import { readFile } from "node:fs/promises";
import { expect, test, type Page } from "@playwright/test";
import { ADMIN, type Account } from "./helpers/accounts";
import { api, expectApiError, loginApi, signedInContext } from "./helpers/session";
import { userCreate } from "./helpers/users";

// The audit page's filters (kept in the URL) and the CSV export, including a
// user name a spreadsheet would read as a formula.
// FAILED_LOGINS from 127.0.0.1 in this file: 1.
const FORMULA: Account = {
  username: "@formula",
  displayName: '=HYPERLINK("http://x")',
  password: "formula password 1",
  role: "helpdesk",
};
const VIEWER: Account = {
  username: "audit-nosy",
  displayName: "No Audit",
  password: "nosy password 42",
  role: "operator",
};

test.describe.configure({ mode: "serial" });

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, FORMULA);
  await userCreate(admin.api, VIEWER);
  // One failed sign-in as the formula-looking user (a failed sign-in sets no cookie).
  const res = await admin.page.request.post("/api/auth/login", {
    data: { username: FORMULA.username, password: "wrong password" },
  });
  expect(res.status()).toBe(401);
  await admin.context.close();
});

async function filter(page: Page, f: Partial<Record<"actor" | "action" | "vm", string>> & { outcome?: string }) {
  await page.getByTestId("audit-filter-actor").fill(f.actor ?? "");
  await page.getByTestId("audit-filter-action").fill(f.action ?? "");
  await page.getByTestId("audit-filter-vm").fill(f.vm ?? "");
  await page.getByTestId("audit-filter-outcome").selectOption(f.outcome ?? "");
  const answer = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/audit");
  await page.getByTestId("audit-filter-submit").click();
  expect((await answer).status()).toBe(200);
}

/** Minimal RFC 4180 reader for the assertions (quoted cells with "" escapes and embedded commas). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(cell);
      cell = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = "";
      i++;
    } else cell += ch;
  }
  return rows;
}

test("filters by user, action and outcome, and keeps the filters in the URL", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/audit");
  await filter(page, { actor: FORMULA.username, action: "auth.login", outcome: "failure" });
  await expect(page.getByTestId("audit-row")).toHaveCount(1);
  await expect(page.getByTestId("audit-total")).toHaveAttribute("data-total", "1");
  await expect(page).toHaveURL(/actor=%40formula/);
  await expect(page).toHaveURL(/outcome=failure/);
  // A reload renders the same filtered view on the server.
  await page.reload();
  await expect(page.getByTestId("audit-filter-actor")).toHaveValue(FORMULA.username);
  await expect(page.getByTestId("audit-row")).toHaveCount(1);
  await expect(page.getByTestId("audit-row").first()).toHaveAttribute("data-action", "auth.login");

  await filter(page, { action: "user.create" });
  await expect(page.locator('[data-testid="audit-row"]:not([data-action="user.create"])')).toHaveCount(0);
  await expect(page.getByTestId("audit-row").filter({ hasText: `user: ${FORMULA.username}` })).toHaveCount(1);

  // A VM filter that matches nothing shows the empty state.
  await filter(page, { vm: "no-such-vm-anywhere" });
  await expect(page.getByTestId("audit-empty")).toBeVisible();
  await page.getByTestId("audit-filter-reset").click();
  await expect(page.getByTestId("audit-filter-actor")).toHaveValue("");
  await expect(page.getByTestId("audit-row").first()).toBeVisible();
});

test("a time range in the future matches nothing; one around now matches", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  const a = await api(page.request);
  const future = new Date(Date.now() + 3_600_000).toISOString();
  expect(
    ((await (await a.get(`/api/audit?from=${encodeURIComponent(future)}`)).json()) as { total: number }).total,
  ).toBe(0);
  const from = new Date(Date.now() - 3_600_000).toISOString();
  const body = (await (
    await a.get(`/api/audit?from=${encodeURIComponent(from)}&actor=${encodeURIComponent(FORMULA.username)}`)
  ).json()) as { total: number };
  expect(body.total).toBeGreaterThanOrEqual(1);
});

test("exports the filtered log as CSV, with formula-looking cells defused", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/audit?actor=${encodeURIComponent(FORMULA.username)}`);
  await expect(page.getByTestId("audit-row")).toHaveCount(1);
  const downloading = page.waitForEvent("download");
  await page.getByTestId("audit-export").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^virtdeck-audit-.*\.csv$/);
  const text = await readFile((await download.path())!, "utf8");
  const rows = parseCsv(text);
  // The header line, byte for byte (no quoting): what spreadsheets and scripts key on.
  expect(text.split(/\r?\n/)[0]).toBe(
    "id,time,actor,actor_id,action,outcome,target_type,target_id,target_name,ip,details",
  );
  expect(rows).toHaveLength(2);
  // "@formula" would be a formula in a spreadsheet: exported as '@formula.
  expect(rows[1][2]).toBe(`'${FORMULA.username}`);
  expect(rows[1][4]).toBe("auth.login");
  expect(JSON.parse(rows[1][10])).toMatchObject({ reason: "bad_password" });

  // The whole log, unfiltered: one record per event.
  const res = await page.request.get("/api/audit/export");
  expect(res.headers()["content-type"]).toMatch(/^text\/csv/);
  const all = parseCsv(await res.text());
  const total = ((await (await page.request.get("/api/audit?limit=1")).json()) as { total: number }).total;
  // The export of a moment ago is itself an event, so the log grew by at least one since.
  expect(all.length - 1).toBeGreaterThanOrEqual(total - 1);
  expect(all.some((r) => r[4] === "user.create" && r[8] === `'${FORMULA.username}`)).toBe(true);
  expect(all.some((r) => r[4] === "audit.export")).toBe(true);
});

test("users without audit.view can neither read nor export the log", async ({ page }) => {
  await loginApi(page.request, VIEWER);
  await expectApiError(await page.request.get("/api/audit/export"), 403, "forbidden");
  await expectApiError(await page.request.get("/api/audit"), 403, "forbidden");
  await page.context().clearCookies();
  expect((await page.request.get("/api/audit/export")).status()).toBe(401);
});
