import { randomBytes, randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN, type Account } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { virshHost1 } from "./helpers/host1";
import { loginApi, signedInContext } from "./helpers/session";
import { userCreate, userFind } from "./helpers/users";

// The command palette (Ctrl+K or `/`) and the shortcuts list (`?`): jump to a VM, a host or a page,
// and run start, shut down and console on a VM, only as the user's privileges allow (a helpdesk user
// granted one VM gets its console, not its power actions, and no administration pages). axe-clean.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-palette-${tag}`, uuid: randomUUID() };
const DESK: Account = {
  username: `palettedesk${tag}`,
  displayName: "Palette Helpdesk",
  password: "palette helpdesk password",
  role: "helpdesk",
};

const stack = host1GuestsSetup({
  hostName: `ui-02 host ${tag}`,
  dirPrefix: "vdtest-palette-",
  guests: [GUEST],
  xml: (g) => testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] }),
});

const domstate = () => virshHost1(["domstate", GUEST.uuid]).trim();
const vmPath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}`;

async function axeFindings(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `[${v.impact}] ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

/** Opens the palette with Ctrl+K and types `text`; waits for the guest's row when `text` names it. */
async function paletteSearch(page: Page, text: string) {
  await page.keyboard.press("Control+k");
  const palette = page.getByTestId("palette");
  await expect(palette).toBeVisible();
  await expect(page.getByTestId("palette-input")).toBeFocused();
  await page.getByTestId("palette-input").fill(text);
  return palette;
}

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  const desk = (await userFind(admin.api, DESK.username)) ?? (await userCreate(admin.api, DESK));
  const grant = await admin.api.post("/api/grants", {
    subject: { kind: "user", id: desk.id },
    roleId: "helpdesk",
    scope: { kind: "vm", hostId: stack.hostId, vmUuid: GUEST.uuid },
  });
  expect([201, 409], await grant.text()).toContain(grant.status());
  await admin.context.close();
});

test("Ctrl+K finds a VM and opens its page; `/` opens it too, but not while typing in a field", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/vms");
  await expect(page.getByTestId("vms-table")).toBeVisible();

  // Typing "/" in the list's search box types it.
  await page.getByTestId("vm-filter-q").fill("");
  await page.getByTestId("vm-filter-q").press("/");
  await expect(page.getByTestId("vm-filter-q")).toHaveValue("/");
  await expect(page.getByTestId("palette")).toHaveCount(0);
  await page.getByTestId("vm-filter-q").fill("");

  const palette = await paletteSearch(page, GUEST.name);
  const vm = palette.locator(`[data-testid="palette-vm"][data-uuid="${GUEST.uuid}"]`);
  await expect(vm).toBeVisible({ timeout: 15_000 });
  await expect(vm).toContainText(GUEST.name);
  expect(await axeFindings(page)).toEqual([]);
  await vm.click();
  await expect(page).toHaveURL(new RegExp(`/vms/${stack.hostId}/${GUEST.uuid}$`));
  await expect(page.getByTestId("palette")).toHaveCount(0);
  await expect(page.getByTestId("vm-detail")).toBeVisible();

  // `/` outside a field, then Escape closes it and focus comes back to the page.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press("/");
  await expect(page.getByTestId("palette")).toBeVisible();
  await page.keyboard.press("Escape");
  await expect(page.getByTestId("palette")).toHaveCount(0);
});

test("runs a VM's power actions from the palette, with the keyboard only", async ({ page }) => {
  test.setTimeout(90_000);
  await loginApi(page.request, ADMIN);
  await page.goto(vmPath());
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "running", { timeout: 20_000 });

  let palette = await paletteSearch(page, GUEST.name);
  const shutdown = palette.locator(`[data-testid="palette-action-shutdown"][data-uuid="${GUEST.uuid}"]`);
  await expect(shutdown).toBeVisible({ timeout: 15_000 });
  await expect(palette.locator('[data-testid="palette-action-start"]')).toHaveCount(0); // running: no Start
  await expect(palette.locator(`[data-testid="palette-action-console"][data-uuid="${GUEST.uuid}"]`)).toBeVisible();
  // The first result is chosen: the shut down action, run with Enter.
  await expect(shutdown).toHaveAttribute("data-selected", "true");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("palette")).toHaveCount(0);
  // The guest (no operating system) ignores the request: the page shows it under way.
  await expect(page.getByTestId("vm-action-shutdown")).toHaveAttribute("data-pending", "true");
  expect(domstate()).toBe("running");

  virshHost1(["destroy", GUEST.uuid]);
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "shutoff", { timeout: 20_000 });
  palette = await paletteSearch(page, GUEST.name);
  const start = palette.locator(`[data-testid="palette-action-start"][data-uuid="${GUEST.uuid}"]`);
  await expect(start).toBeVisible({ timeout: 15_000 });
  await expect(palette.locator('[data-testid="palette-action-console"]')).toHaveCount(0); // off: no console
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("palette")).toHaveCount(0);
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  expect(domstate()).toBe("running");
});

test("jumps to hosts and pages; `?` lists the shortcuts", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/");
  // Host 1 may have been added by an earlier spec under its own name: found by its address.
  let palette = await paletteSearch(page, "127.0.0.1");
  await palette.locator(`[data-testid="palette-host"][data-host-id="${stack.hostId}"]`).click();
  await expect(page).toHaveURL(new RegExp(`/hosts/${stack.hostId}$`));

  palette = await paletteSearch(page, "audit");
  await expect(palette.getByTestId("palette-page-audit")).toBeVisible();
  await expect(palette.getByTestId("palette-page-vms")).toHaveCount(0);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/audit$/);

  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press("?");
  const help = page.getByTestId("shortcuts");
  await expect(help).toBeVisible();
  await expect(help.getByTestId("shortcut")).toHaveCount(6);
  await expect(help).toContainText("Ctrl");
  expect(await axeFindings(page)).toEqual([]);
  await page.keyboard.press("Escape");
  await expect(help).toHaveCount(0);
});

test("a helpdesk user is offered only what they may do: the console of their VM, no power, no admin pages", async ({
  browser,
}) => {
  const desk = await signedInContext(browser, DESK);
  try {
    const { page } = desk;
    await page.goto("/vms");
    await expect(page.getByTestId("vms-table")).toBeVisible();
    if (domstate() !== "running") virshHost1(["start", GUEST.uuid]);
    const palette = await paletteSearch(page, GUEST.name);
    await expect(palette.locator(`[data-testid="palette-vm"][data-uuid="${GUEST.uuid}"]`)).toBeVisible({
      timeout: 15_000,
    });
    await expect(palette.locator(`[data-testid="palette-action-console"][data-uuid="${GUEST.uuid}"]`)).toBeVisible();
    await expect(palette.locator('[data-testid="palette-action-start"]')).toHaveCount(0);
    await expect(palette.locator('[data-testid="palette-action-shutdown"]')).toHaveCount(0);
    await expect(palette.getByTestId("palette-host")).toHaveCount(0);
    await page.getByTestId("palette-input").fill("");
    await expect(palette.getByTestId("palette-page-vms")).toBeVisible();
    for (const adminPage of ["audit", "users", "hosts", "storage"])
      await expect(palette.getByTestId(`palette-page-${adminPage}`)).toHaveCount(0);
    expect(await axeFindings(page)).toEqual([]);
  } finally {
    await desk.context.close();
  }
});
