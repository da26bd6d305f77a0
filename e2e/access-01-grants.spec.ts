import { randomBytes, randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN, type Account } from "./helpers/accounts";
import { virshHost1 } from "./helpers/host1";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { expectApiError, loginApi, signedInContext } from "./helpers/session";
import { userCreate } from "./helpers/users";

// Scoped grants end to end, on host 1 of the test stack with two throwaway guests: an admin
// grants a helpdesk user the helpdesk role (view + console) on one VM from its Permissions
// section; the helpdesk user sees exactly that VM, opens its console, cannot power it off (no
// button, 403 from the API); the admin revokes the grant and the open console closes within 2 s.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GRANTED = { name: `vdtest-access-${tag}-granted`, uuid: randomUUID() };
const OTHER = { name: `vdtest-access-${tag}-other`, uuid: randomUUID() };
const DESK: Account = {
  username: `desk-${tag}`,
  displayName: "Desk Person",
  password: "desk password 123",
  role: "helpdesk",
};

/** 64 MiB, no NIC, an empty qcow2, VGA + VNC on loopback: SeaBIOS on screen. Built as a DOM. */
function guestXml(g: { name: string; uuid: string }, disk: string): string {
  return testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, disk, displays: [{ type: "vnc" }] });
}

const stack = host1GuestsSetup({
  hostName: `access-01 host ${tag}`,
  dirPrefix: "vdtest-access-",
  guests: [GRANTED, OTHER],
  disks: true,
  xml: (g, disk) => guestXml(g, disk!),
});

const vmPath = (g: { uuid: string }) => `/vms/${encodeURIComponent(stack.hostId)}/${g.uuid}`;

test.beforeAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  await userCreate(admin.api, DESK);
  await admin.context.close();
});

test("a helpdesk user granted nothing sees no VM and gets 404 for one", async ({ browser }) => {
  const desk = await signedInContext(browser, DESK);
  await desk.page.goto("/vms");
  await expect(desk.page.getByTestId("vms-empty")).toContainText("No virtual machine shared with you");
  await expect(desk.page.getByTestId("vms-empty-go-hosts")).toHaveCount(0);
  await expect(desk.page.getByTestId("nav-hosts")).toHaveCount(0);
  const res = await desk.page.goto(vmPath(GRANTED));
  expect(res?.status()).toBe(404);
  await expectApiError(await desk.api.get(`/api/vms/${stack.hostId}/${GRANTED.uuid}`), 404, "not_found");
  await desk.context.close();
});

test("admin grants console on one VM; the helpdesk user sees exactly it, opens its console, cannot power it off; revoking closes the console within 2 s", async ({
  page,
  browser,
}) => {
  // The admin grants from the VM's Permissions section.
  await loginApi(page.request, ADMIN);
  await page.goto(vmPath(GRANTED));
  await page.getByTestId("vm-tab-access").click();
  const permissions = page.getByTestId("vm-permissions");
  await expect(permissions).toBeVisible();
  await expect(permissions.getByTestId("vm-access-row").filter({ hasText: DESK.username })).toHaveCount(0);
  await page.getByTestId("grant-add").click();
  const dialog = page.getByTestId("grant-dialog");
  await dialog.getByTestId("grant-subject-kind").selectOption("user");
  await expect(dialog.getByTestId("grant-subject").locator("option", { hasText: DESK.username })).toHaveCount(1);
  await dialog.getByTestId("grant-subject").selectOption({ label: DESK.username });
  await dialog.getByTestId("grant-role").selectOption({ label: "helpdesk" });
  await dialog.getByTestId("grant-scope-vm").check();
  await dialog.getByTestId("grant-submit").click();
  await expect(dialog).toHaveCount(0);
  const row = permissions.locator(`[data-testid="vm-access-row"][data-username="${DESK.username}"]`);
  await expect(row).toHaveAttribute("data-privileges", "vm.console vm.view");
  await expect(row.getByTestId("vm-access-sources")).toContainText("helpdesk");
  await expect(permissions.locator(`[data-testid="grant-row"][data-subject="${DESK.username}"]`)).toHaveAttribute(
    "data-scope",
    "vm",
  );

  // The helpdesk user sees exactly that VM.
  const desk = await signedInContext(browser, DESK);
  await desk.page.goto("/vms");
  await expect(desk.page.getByTestId("vm-total")).toHaveAttribute("data-total", "1");
  await expect(desk.page.getByTestId("vm-row")).toHaveCount(1);
  await expect(desk.page.getByTestId("vm-row")).toHaveAttribute("data-name", GRANTED.name);
  expect(
    ((await (await desk.api.get(`/api/vms?q=${encodeURIComponent(OTHER.name)}`)).json()) as { total: number }).total,
  ).toBe(0);

  // No power buttons on its page, and the API refuses a power-off; the other VM does not exist for them.
  await desk.page.goto(vmPath(GRANTED));
  await expect(desk.page.getByTestId("vm-detail")).toHaveAttribute("data-name", GRANTED.name);
  await expect(desk.page.getByTestId("vm-actions")).toHaveCount(0);
  await desk.page.getByTestId("vm-tab-access").click();
  await expect(desk.page.getByTestId("vm-tags")).toBeVisible();
  await expect(desk.page.getByTestId("vm-tag-input")).toHaveCount(0);
  await expect(desk.page.getByTestId("vm-permissions")).toHaveCount(0);
  await expectApiError(
    await desk.api.post(`/api/vms/${stack.hostId}/${GRANTED.uuid}/actions`, { action: "destroy" }),
    403,
    "forbidden",
  );
  await expectApiError(
    await desk.api.post(`/api/vms/${stack.hostId}/${OTHER.uuid}/actions`, { action: "destroy" }),
    404,
    "not_found",
  );
  expect(virshHost1(["domstate", GRANTED.uuid]).trim()).toBe("running");
  expect((await desk.page.goto(vmPath(OTHER)))?.status()).toBe(404);

  // Its console opens.
  await desk.page.goto(`${vmPath(GRANTED)}/console?kind=vnc`);
  const root = desk.page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });

  // The admin revokes the grant (with confirmation): the open console closes within 2 s.
  await permissions
    .locator(`[data-testid="grant-row"][data-subject="${DESK.username}"]`)
    .getByTestId("grant-remove")
    .click();
  await expect(page.getByTestId("grant-remove-dialog")).toBeVisible();
  const t0 = Date.now();
  await page.getByTestId("grant-remove-dialog-confirm").click();
  await expect(root).toHaveAttribute("data-close-code", "4003", { timeout: 5_000 });
  expect(Date.now() - t0).toBeLessThan(2_000);
  await expect(permissions.locator(`[data-testid="grant-row"][data-subject="${DESK.username}"]`)).toHaveCount(0);

  // And the VM is gone from their list.
  await desk.page.goto("/vms");
  await expect(desk.page.getByTestId("vms-empty")).toBeVisible();
  await expect(desk.page.getByTestId("vm-row")).toHaveCount(0);
  await desk.context.close();
});

test("roles page: built-in roles are read-only; an admin creates a custom role from privilege checkboxes", async ({
  page,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/roles");
  const admin = page.locator('[data-testid="role-row"][data-role="admin"]');
  await expect(admin).toHaveAttribute("data-builtin", "true");
  await expect(admin.getByTestId("role-edit")).toHaveCount(0);
  await expect(page.locator('[data-testid="role-row"][data-role="helpdesk"]')).toHaveAttribute(
    "data-privileges",
    "vm.view vm.console",
  );
  await page.getByTestId("role-create").click();
  await page.getByTestId("role-name").fill(`powerdesk-${tag}`);
  await page.getByTestId("role-privilege-vm.view").check();
  await page.getByTestId("role-privilege-vm.power").check();
  await page.getByTestId("role-submit").click();
  const custom = page.locator(`[data-testid="role-row"][data-role="powerdesk-${tag}"]`);
  await expect(custom).toHaveAttribute("data-privileges", "vm.power vm.view");
  await expect(custom).toHaveAttribute("data-builtin", "false");
  // Deleting asks first.
  await custom.getByTestId("role-delete").click();
  await page.getByTestId("role-delete-dialog-confirm").click();
  await expect(custom).toHaveCount(0);
});

test("groups and tags: a group granted helpdesk on a tag gives its members the tagged VM; leaving the group takes it away", async ({
  page,
  browser,
}) => {
  const GROUP = `desk-team-${tag}`;
  await loginApi(page.request, ADMIN);
  // A group with the helpdesk user in it.
  await page.goto("/groups");
  await page.getByTestId("group-create").click();
  await page.getByTestId("group-name").fill(GROUP);
  await page.getByTestId("group-description").fill("Front desk");
  await page.getByTestId("group-submit").click();
  const row = page.locator(`[data-testid="group-row"][data-name="${GROUP}"]`);
  await expect(row.getByTestId("group-member-count")).toHaveText("No members");
  await row.getByTestId("group-open").click();
  const detail = page.getByTestId("group-detail");
  await detail.getByTestId("group-member-pick").selectOption({ label: DESK.username });
  await detail.getByTestId("group-member-add").click();
  await expect(detail.locator(`[data-testid="group-member"][data-username="${DESK.username}"]`)).toBeVisible();
  await expect(row.getByTestId("group-member-count")).toHaveText("1 member");

  // Tag the other VM and grant the group helpdesk on that tag, from the VM's tab.
  await page.goto(vmPath(OTHER));
  await page.getByTestId("vm-tab-access").click();
  await page.getByTestId("vm-tag-input").fill(`Desk-${tag}`);
  await page.getByTestId("vm-tag-add").click();
  await page.getByTestId("vm-tags-save").click();
  await expect(page.locator(`[data-testid="vm-tag"][data-tag="desk-${tag}"]`)).toBeVisible();
  await page.getByTestId("grant-add").click();
  const dialog = page.getByTestId("grant-dialog");
  await dialog.getByTestId("grant-subject-kind").selectOption("group");
  await dialog.getByTestId("grant-subject").selectOption({ label: GROUP });
  await dialog.getByTestId("grant-role").selectOption({ label: "helpdesk" });
  await dialog.getByTestId("grant-scope-tag").check();
  await dialog.getByTestId("grant-tag").fill(`desk-${tag}`);
  await dialog.getByTestId("grant-submit").click();
  const access = page.locator(`[data-testid="vm-access-row"][data-username="${DESK.username}"]`);
  await expect(access).toHaveAttribute("data-privileges", "vm.console vm.view");
  await expect(access.getByTestId("vm-access-sources")).toContainText(GROUP);
  await expect(access.getByTestId("vm-access-sources")).toContainText(`desk-${tag}`);

  // The member sees the tagged VM, and only it.
  const desk = await signedInContext(browser, DESK);
  await desk.page.goto("/vms");
  await expect(desk.page.getByTestId("vm-row")).toHaveCount(1);
  await expect(desk.page.getByTestId("vm-row")).toHaveAttribute("data-name", OTHER.name);

  // Removing them from the group (with confirmation) takes it away.
  await page.goto("/groups");
  await page.locator(`[data-testid="group-row"][data-name="${GROUP}"]`).getByTestId("group-open").click();
  await page
    .locator(`[data-testid="group-member"][data-username="${DESK.username}"]`)
    .getByTestId("group-member-remove")
    .click();
  await page.getByTestId("group-member-remove-dialog-confirm").click();
  await expect(page.getByTestId("group-member")).toHaveCount(0);
  await desk.page.goto("/vms");
  await expect(desk.page.getByTestId("vms-empty")).toBeVisible();
  expect((await desk.page.goto(vmPath(OTHER)))?.status()).toBe(404);

  // Deleting the group asks first.
  await page.locator(`[data-testid="group-row"][data-name="${GROUP}"]`).getByTestId("group-delete").click();
  await page.getByTestId("group-delete-dialog-confirm").click();
  await expect(page.locator(`[data-testid="group-row"][data-name="${GROUP}"]`)).toHaveCount(0);
  await desk.context.close();
});
