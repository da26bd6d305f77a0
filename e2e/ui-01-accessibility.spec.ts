import { randomBytes, randomUUID } from "node:crypto";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN, type Account } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { baseURL, loginApi, signedInContext } from "./helpers/session";
import { userCreate, userFind } from "./helpers/users";

// axe-core in the real browser on every page of the app: signed in as the admin, as a helpdesk
// user granted one VM, signed out (sign-in page) and on a console share link; in light and dark
// mode, at desktop and phone (390x844) sizes. No serious or critical violation is allowed.
// Tabs and inline forms that hide fields (the VM page's Hardware tab with its add-disk and
// add-interface forms, Tags & permissions, XML) are opened before the scan.
//
// Not serial: a page with findings fails its test and the others still run (the setup below is idempotent).
//
// FAILED_LOGINS: 0.

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-a11y-${tag}`, uuid: randomUUID() };
const DESK: Account = {
  username: `a11ydesk${tag}`,
  displayName: "Axe Helpdesk",
  password: "a11y helpdesk password",
  role: "helpdesk",
};

const stack = host1GuestsSetup({
  hostName: `ui-01 host ${tag}`,
  dirPrefix: "vdtest-a11y-",
  guests: [GUEST],
  xml: (g) => testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] }),
});

const MODES = [
  { name: "light, desktop", colorScheme: "light", viewport: { width: 1440, height: 900 } },
  { name: "dark, desktop", colorScheme: "dark", viewport: { width: 1440, height: 900 } },
  { name: "light, phone", colorScheme: "light", viewport: { width: 390, height: 844 } },
  { name: "dark, phone", colorScheme: "dark", viewport: { width: 390, height: 844 } },
] as const;
type Mode = (typeof MODES)[number];

/** One page to scan: a path, what shows it is loaded, and what to click first (a tab). */
interface Stop {
  path: () => string;
  ready?: string;
  click?: string;
}

const vmPath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}`;
const vmTab = (id: string, ready: string): Stop => ({ path: vmPath, click: `vm-tab-${id}`, ready });

const ADMIN_PAGES: Stop[] = [
  { path: () => "/" },
  { path: () => "/vms", ready: "vms-table" },
  { path: () => "/vms/new" },
  { path: vmPath, ready: "vm-detail" },
  { path: vmPath, click: "vm-power", ready: "vm-power-menu" },
  { path: () => "/vms", click: "palette-open", ready: "palette" },
  vmTab("hardware", "hw-add-nic"),
  vmTab("access", "vm-permissions"),
  vmTab("xml", "vm-xml"),
  { path: () => `${vmPath()}/console?kind=vnc`, ready: "console-root" },
  { path: () => "/hosts", ready: "host-row" },
  { path: () => `/hosts/${stack.hostId}` },
  { path: () => "/templates" },
  { path: () => "/storage" },
  { path: () => "/networks" },
  { path: () => "/backups" },
  { path: () => "/tasks" },
  { path: () => "/tasks", click: "task-drawer-open", ready: "task-drawer" },
  { path: () => "/account" },
  { path: () => "/users", ready: "users-table" },
  { path: () => "/groups" },
  { path: () => "/roles" },
  { path: () => "/audit", ready: "audit-table" },
  { path: () => "/security" },
];

const DESK_PAGES: Stop[] = [
  { path: () => "/" },
  { path: () => "/vms", ready: "vms-table" },
  { path: () => "/vms", click: "palette-open", ready: "palette" },
  { path: vmPath, ready: "vm-detail" },
  { path: () => `${vmPath()}/console?kind=vnc`, ready: "console-root" },
  { path: () => "/tasks" },
  { path: () => "/account" },
];

/** Serious and critical violations on the page as it is now, one readable line each. */
async function scan(page: Page, where: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id} (${v.help}) at ${v.nodes
          .slice(0, 4)
          .map(
            (n) =>
              `${n.target.join(" ")}${n.failureSummary ? ` — ${n.failureSummary.split("\n").slice(1, 2).join("")}` : ""}`,
          )
          .join("; ")}`,
    );
}

// VD_E2E_SHOTS=<dir>: also saves a full-page screenshot of every page scanned, to look at.
const SHOTS = process.env.VD_E2E_SHOTS;

async function shot(page: Page, mode: Mode, account: Account | null, stop: Stop): Promise<void> {
  const where = `${stop.path()}${stop.click ? `-${stop.click}` : ""}`.replace(/[^a-z0-9]+/gi, "_").slice(0, 60);
  const file = `${mode.name.replace(/[^a-z]+/g, "-")}-${account?.role ?? "anon"}-${where}.png`;
  await page.screenshot({ path: path.join(SHOTS!, file), fullPage: true });
}

/** Opens a stop; what went wrong (an error status, a page that never showed) is a finding, not a stop of the run. */
async function visit(page: Page, stop: Stop): Promise<string | null> {
  const res = await page.goto(stop.path());
  if (!res || res.status() >= 400) return `${stop.path()}: HTTP ${res?.status()}`;
  try {
    if (stop.click) await page.getByTestId(stop.click).click();
    if (stop.ready) await expect(page.getByTestId(stop.ready).first()).toBeVisible({ timeout: 20_000 });
  } catch (err) {
    return `${stop.path()}: not shown (${(err as Error).message.split("\n")[0]})`;
  }
  // Client pages fill in after their first fetch; let that and the fonts settle.
  await page.waitForTimeout(600);
  return null;
}

async function scanPages(browser: Browser, mode: Mode, account: Account | null, stops: Stop[]): Promise<string[]> {
  const context = await browser.newContext({
    baseURL: baseURL(),
    colorScheme: mode.colorScheme,
    viewport: mode.viewport,
  });
  const page = await context.newPage();
  try {
    if (account) await loginApi(page.request, account);
    const found: string[] = [];
    // A missing or broken message is a finding too (the i18n provider logs it as an error).
    page.on("console", (m) => {
      if (m.type() === "error" && m.text().startsWith("i18n"))
        found.push(`${new URL(page.url()).pathname}: ${m.text()}`);
    });
    for (const stop of stops) {
      const failed = await visit(page, stop);
      if (failed) found.push(failed);
      else if (SHOTS) await shot(page, mode, account, stop);
      else found.push(...(await scan(page, `${stop.path()}${stop.click ? ` #${stop.click}` : ""}`)));
    }
    return found;
  } finally {
    await context.close();
  }
}

let sharePath = "";

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  const desk = (await userFind(admin.api, DESK.username)) ?? (await userCreate(admin.api, DESK));
  const roles = (await (await admin.api.get("/api/roles")).json()) as { roles: { id: string; name: string }[] };
  const helpdesk = roles.roles.find((r) => r.name === "helpdesk");
  expect(helpdesk, "the built-in helpdesk role").toBeDefined();
  const grant = await admin.api.post("/api/grants", {
    subject: { kind: "user", id: desk.id },
    roleId: helpdesk!.id,
    scope: { kind: "vm", hostId: stack.hostId, vmUuid: GUEST.uuid },
  });
  expect([201, 409], await grant.text()).toContain(grant.status());
  const link = await admin.api.post(`/api/vms/${stack.hostId}/${GUEST.uuid}/share-links`, {
    kind: "vnc",
    expiresInMinutes: 60,
  });
  expect(link.status(), await link.text()).toBe(201);
  sharePath = ((await link.json()) as { path: string }).path;
  await admin.context.close();
});

for (const mode of MODES) {
  test.describe(mode.name, () => {
    test("every page signed in as the admin has no serious or critical axe violation", async ({ browser }) => {
      // Twenty pages, each loaded and scanned: minutes on a loaded machine.
      test.setTimeout(600_000);
      expect(await scanPages(browser, mode, ADMIN, ADMIN_PAGES)).toEqual([]);
    });

    test("every page of a helpdesk user has no serious or critical axe violation", async ({ browser }) => {
      test.setTimeout(300_000);
      expect(await scanPages(browser, mode, DESK, DESK_PAGES)).toEqual([]);
    });

    test("the sign-in page and a console share link have no serious or critical axe violation", async ({ browser }) => {
      test.setTimeout(120_000);
      const stops: Stop[] = [
        { path: () => "/login", ready: "login-submit" },
        { path: () => sharePath, ready: "console-root" },
      ];
      expect(await scanPages(browser, mode, null, stops)).toEqual([]);
    });
  });
}
