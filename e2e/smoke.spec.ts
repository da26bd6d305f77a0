import { expect, test } from "@playwright/test";

test("GET /api/health reports ok and a reachable PostgreSQL database", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  const body = await res.json();
  expect(body.status).toBe("ok");
  expect(body.database.reachable).toBe(true);
  expect(body.database.kind).toBe("postgres");
});

test("the home page loads in Chromium without script errors", async ({ page }) => {
  const errors: Error[] = [];
  page.on("pageerror", (e) => errors.push(e));
  const res = await page.goto("/");
  expect(res, "navigation response").not.toBeNull();
  expect(res!.status()).toBeLessThan(400);
  await expect(page.locator("html")).toHaveAttribute("lang", /.+/);
  await expect(page.locator("body")).not.toBeEmpty();
  expect(errors.map((e) => e.message)).toEqual([]);
});
