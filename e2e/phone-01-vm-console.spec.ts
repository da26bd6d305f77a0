import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { loginUi } from "./helpers/session";

// The console on a phone (the "phone" project: 390x844): sign in, find a VM in the list (its state
// shown, the host under its name), pause and resume it from its page, open its console and reach
// every toolbar button; no page scrolls sideways (VM list, VM page, storage, console).
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-phone-${tag}`, uuid: randomUUID() };

const stack = host1GuestsSetup({
  hostName: `phone-01 host ${tag}`,
  dirPrefix: "vdtest-phone-",
  guests: [GUEST],
  xml: (g) => testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] }),
});

const vmPath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}`;

/** The page is no wider than the screen: nothing to scroll sideways. */
async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, `${what}: ${scroll} px wide on a ${client} px screen`).toBeLessThanOrEqual(client);
}

/** Entirely inside the screen's width (not cut off at the right edge). */
async function expectInsideScreen(page: Page, el: Locator, what: string): Promise<void> {
  await expect(el, what).toBeVisible();
  const box = await el.boundingBox();
  const width = page.viewportSize()!.width;
  expect(box, what).not.toBeNull();
  expect(box!.x, what).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width, `${what}: right edge`).toBeLessThanOrEqual(width + 0.5);
}

test("signs in and lists the VM with its state (host under the name, no Host column)", async ({ page }) => {
  expect(page.viewportSize()).toEqual({ width: 390, height: 844 });
  await loginUi(page, ADMIN);
  await page.getByTestId("vm-filter-q").fill(GUEST.name);
  const row = page.locator(`[data-testid="vm-row"][data-uuid="${GUEST.uuid}"]`);
  await expect(row).toHaveCount(1);
  await expectInsideScreen(page, row.getByTestId("vm-state"), "the State cell");
  await expect(row.getByTestId("vm-row-host")).toBeVisible();
  await expect(page.getByTestId("vm-sort-host")).toBeHidden();
  await expect(page.getByTestId("vm-sort-state")).toBeVisible();
  await expectNoSidewaysScroll(page, "VM list");
});

test("the VM page fits the screen and its actions work: pause, then resume", async ({ page }) => {
  await loginUi(page, ADMIN);
  await page.goto(vmPath());
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  await expectNoSidewaysScroll(page, "VM page");
  await expectInsideScreen(page, page.getByTestId("vm-power"), "Power menu");
  await page.getByTestId("vm-power").click();
  const suspend = page.getByTestId("vm-action-suspend");
  await expectInsideScreen(page, suspend, "Pause");
  await suspend.click();
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "paused", { timeout: 20_000 });
  const resume = page.getByTestId("vm-action-resume");
  await expectInsideScreen(page, resume, "Resume");
  await resume.click();
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  for (const tab of ["hardware", "access", "xml", "overview"]) {
    await page.getByTestId(`vm-tab-${tab}`).click();
    await page.waitForTimeout(300);
    await expectNoSidewaysScroll(page, `VM page, ${tab} tab`);
  }
});

test("the console connects and every toolbar button is on screen", async ({ page }) => {
  await loginUi(page, ADMIN);
  await page.goto(`${vmPath()}/console?kind=vnc`);
  const root = page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  for (const id of [
    "console-ctrl-alt-del",
    "console-keys",
    "console-paste",
    "console-scale",
    "console-viewonly",
    "console-screenshot",
    "console-fullscreen",
    "console-reconnect",
  ]) {
    await expectInsideScreen(page, page.getByTestId(id), id);
    await expect(page.getByTestId(id), id).toBeEnabled();
  }
  await expectNoSidewaysScroll(page, "console");
});

test("the storage and host pages fit the screen", async ({ page }) => {
  await loginUi(page, ADMIN);
  await page.goto("/storage");
  await page.getByTestId("storage-host").selectOption(stack.hostId);
  // Host 1's libvirt is shared with other specs: it may have pools (open the first) or none.
  const pool = page.getByTestId("pool-row").first();
  await expect(pool.or(page.getByText("This host has no storage pools."))).toBeVisible({ timeout: 20_000 });
  if (await pool.isVisible()) await pool.getByTestId("pool-select").click();
  await page.waitForTimeout(500);
  await expectNoSidewaysScroll(page, "storage page");
  await page.goto(`/hosts/${stack.hostId}`);
  await expect(page.getByTestId("host-detail")).toBeVisible();
  await expectNoSidewaysScroll(page, "host page");
  await page.goto("/");
  await expect(page.getByTestId("dashboard")).toBeVisible();
  await expectNoSidewaysScroll(page, "overview");
});
