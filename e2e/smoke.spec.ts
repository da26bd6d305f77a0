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

test("the favicon, icons and web manifest are served from public/ and linked from every page", async ({
  page,
  request,
}) => {
  for (const [path, type] of [
    ["/favicon.ico", "image/x-icon"],
    ["/icon.svg", "image/svg+xml"],
    ["/icon-192.png", "image/png"],
    ["/apple-touch-icon.png", "image/png"],
  ] as const) {
    const res = await request.get(path);
    expect(res.status(), path).toBe(200);
    expect(res.headers()["content-type"], path).toContain(type);
  }
  const manifest = await request.get("/manifest.webmanifest");
  expect(manifest.status()).toBe(200);
  const body = await manifest.json();
  expect(body.name).toBe("virtdeck");
  for (const icon of body.icons as { src: string }[]) {
    expect((await request.get(icon.src)).status(), icon.src).toBe(200);
  }
  await page.goto("/login");
  await expect(page.locator('link[rel="manifest"]')).toHaveAttribute("href", "/manifest.webmanifest");
  await expect(page.locator('link[rel="icon"]').first()).toHaveAttribute("href", /favicon\.ico|icon\.svg/);
});
