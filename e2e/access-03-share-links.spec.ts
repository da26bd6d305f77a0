import { randomBytes, randomUUID } from "node:crypto";
import { expect, test, type Browser } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { baseURL, loginApi, SESSION_COOKIE, signedInContext } from "./helpers/session";

// Console share links end to end, on host 1 with one throwaway guest: an admin creates a link in
// the VM page's Share dialog; a fresh browser context with no account opens it and gets the
// console; revoking it from the VM page (with confirmation) closes that console within 2 s; a
// one-minute link closes the open console when it expires; a view-only, single-use link shows a
// view-only console once and refuses the second visit.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-share-e2e-${tag}`, uuid: randomUUID() };

/** 64 MiB, no NIC, no disk, VGA + VNC on loopback: SeaBIOS on screen. Built as a DOM. */
function guestXml(g: { name: string; uuid: string }): string {
  return testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] });
}

/** A browser context with no account at all: nothing but the link. */
async function visitor(browser: Browser, url: string) {
  const context = await browser.newContext({ baseURL: baseURL() });
  const page = await context.newPage();
  await page.goto(url);
  return { context, page };
}

const stack = host1GuestsSetup({
  hostName: `access-03 host ${tag}`,
  dirPrefix: "vdtest-share-",
  guests: [GUEST],
  xml: (g) => guestXml(g),
});

const vmPath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}`;

test("a link from the Share dialog opens the console in a fresh context without signing in; revoking it closes that console within 2 s", async ({
  page,
  browser,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto(vmPath());
  const panel = page.getByTestId("vm-share-panel");
  await expect(panel).toBeVisible();
  await panel.getByTestId("share-open-dialog").click();
  const dialog = page.getByTestId("share-dialog");
  await expect(dialog.getByTestId("share-kind")).toHaveValue("vnc");
  await dialog.getByTestId("share-duration").selectOption("15");
  await dialog.getByTestId("share-create").click();
  const url = await dialog.getByTestId("share-url").inputValue();
  expect(url).toMatch(new RegExp(`^${baseURL()}/share/[A-Za-z0-9_-]{43}$`));
  await dialog.getByTestId("share-done").click();
  const rows = panel.locator('[data-testid^="share-link-"]');
  await expect(rows).toHaveCount(1);

  // Nobody signed in: the console of that VM, and nothing else.
  const anon = await visitor(browser, url);
  const root = anon.page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-share", "true");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  await expect(anon.page.getByTestId("share-vm-name")).toHaveText(GUEST.name);
  expect((await anon.context.cookies()).some((c) => c.name === SESSION_COOKIE)).toBe(false);
  // The link opens nothing else: the app itself still wants a sign-in.
  expect((await anon.page.request.get(`/api/vms/${stack.hostId}/${GUEST.uuid}`)).status()).toBe(401);

  // Revoke from the VM page, after a confirmation.
  await rows.first().locator('[data-testid^="share-revoke-"]').click();
  await expect(page.getByTestId("share-revoke-dialog")).toBeVisible();
  const t0 = Date.now();
  await page.getByTestId("share-revoke-dialog-confirm").click();
  await expect(root).toHaveAttribute("data-close-code", "4003", { timeout: 5_000 });
  expect(Date.now() - t0).toBeLessThan(2_000);
  await expect(anon.page.getByTestId("console-status")).toContainText("revoked");
  await expect(rows).toHaveCount(0);
  await expect(panel).toContainText("No active share links");

  await anon.page.reload();
  await expect(anon.page.getByTestId("share-unavailable")).toHaveAttribute("data-state", "revoked");
  await anon.context.close();
});

test("a one-minute link closes the open console when it expires, and is refused afterwards", async ({ browser }) => {
  test.setTimeout(150_000);
  const admin = await signedInContext(browser, ADMIN);
  const res = await admin.api.post(`/api/vms/${stack.hostId}/${GUEST.uuid}/share-links`, {
    kind: "vnc",
    expiresInMinutes: 1,
  });
  expect(res.status(), await res.text()).toBe(201);
  const { path: sharePath, link } = (await res.json()) as { path: string; link: { expiresAt: string } };
  await admin.context.close();

  const anon = await visitor(browser, sharePath);
  const root = anon.page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  const expiresAt = new Date(link.expiresAt).getTime();
  await expect(root).toHaveAttribute("data-close-code", "4003", { timeout: expiresAt - Date.now() + 5_000 });
  // Closed because it expired: not before, and within 2 s after.
  const closedAt = Date.now();
  expect(closedAt).toBeGreaterThanOrEqual(expiresAt);
  expect(closedAt - expiresAt).toBeLessThan(2_500);
  await expect(anon.page.getByTestId("console-status")).toContainText("expired");
  await anon.page.reload();
  await expect(anon.page.getByTestId("share-unavailable")).toHaveAttribute("data-state", "expired");
  await anon.context.close();
});

test("a view-only, single-use link shows a view-only console once and refuses the second visitor", async ({
  browser,
}) => {
  const admin = await signedInContext(browser, ADMIN);
  const res = await admin.api.post(`/api/vms/${stack.hostId}/${GUEST.uuid}/share-links`, {
    kind: "vnc",
    expiresInMinutes: 15,
    viewOnly: true,
    singleUse: true,
  });
  expect(res.status(), await res.text()).toBe(201);
  const { path: sharePath } = (await res.json()) as { path: string };

  const first = await visitor(browser, sharePath);
  const root = first.page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  await expect(root).toHaveAttribute("data-view-only", "true");
  await expect(first.page.getByTestId("share-view-only")).toBeVisible();
  await expect(first.page.getByTestId("console-ctrl-alt-del")).toBeDisabled();

  const second = await visitor(browser, sharePath);
  await expect(second.page.getByTestId("share-unavailable")).toHaveAttribute("data-state", "used");
  await second.context.close();
  await first.context.close();
  await admin.context.close();
});
