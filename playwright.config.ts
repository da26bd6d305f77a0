import { defineConfig } from "@playwright/test";

/**
 * Browser tests against the PRODUCTION build served by the custom server
 * (server.ts), on a fresh PostgreSQL database on the test stack.
 * `npm test` prepares everything; by hand:
 *   bash scripts/stack/up.sh && source .stack/env && npx next build && npx playwright test
 * Chromium is Debian's /usr/bin/chromium: Playwright never downloads a browser.
 */
const port = Number(process.env.VD_E2E_PORT ?? 3390);
const baseURL = `http://127.0.0.1:${port}`;
process.env.VD_E2E_BASE_URL = baseURL;

// One database per run. The config is evaluated again in every worker process;
// workers inherit the runner's environment, so the name is chosen only once.
if (!process.env.VD_E2E_DATABASE_URL) {
  const admin = process.env.VD_TEST_PG_URL;
  if (!admin) {
    throw new Error(
      "VD_TEST_PG_URL is not set: run `bash scripts/stack/up.sh && source .stack/env` first (or `npm test`).",
    );
  }
  const u = new URL(admin);
  u.pathname = `/vd_e2e_${Date.now()}`;
  process.env.VD_E2E_DATABASE_URL = u.toString();
}
const databaseUrl = process.env.VD_E2E_DATABASE_URL;

const jsonReport = process.env.VD_E2E_JSON_REPORT;

export default defineConfig({
  testDir: "e2e",
  // The suite shares one app and walks through its first-run flow in order.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  // Real guests under TCG: a snapshot tree or a migration test has taken 55-62 s on a loaded 2-core machine.
  timeout: 120_000,
  // Generous: a passing assertion returns as soon as it holds, and on a loaded 2-core machine the redirect
  // after a sign-in has taken more than 10 s.
  expect: { timeout: 20_000 },
  reporter: jsonReport ? [["list"], ["json", { outputFile: jsonReport }]] : [["list"]],
  use: {
    baseURL,
    browserName: "chromium",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // The platform specs walk through first-run setup (creating the admin every
  // other spec signs in with), so they run first; feature specs depend on them.
  projects: [
    { name: "platform", testMatch: /(platform-[^/]*|smoke)\.spec\.ts$/ },
    { name: "features", testIgnore: /(platform-[^/]*|phone-[^/]*|smoke)\.spec\.ts$/, dependencies: ["platform"] },
    // Phone-sized screens: the same app at 390x844 (sign-in, VM list, a VM's actions, its console).
    {
      name: "phone",
      testMatch: /phone-[^/]*\.spec\.ts$/,
      use: { viewport: { width: 390, height: 844 } },
      dependencies: ["platform"],
    },
  ],
  webServer: {
    // The database must exist before the server applies migrations at start.
    command: "npx tsx scripts/stack/pg-createdb.ts && node scripts/start.mjs",
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 10_000 },
    env: {
      NODE_ENV: "production",
      HOST: "127.0.0.1",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      CHECKPOINT_DISABLE: "1",
      NEXT_TELEMETRY_DISABLED: "1",
    },
  },
});
