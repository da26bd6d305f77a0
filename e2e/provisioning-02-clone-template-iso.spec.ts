import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { baseURL, loginApi, signedInContext } from "./helpers/session";
import { testPoolCreate, type TestPool } from "../tests/integration/helpers/provisioning-pool";

// The VM page's Hardware tab and the New VM wizard's ISO mode, on host 1 of the test stack: a
// shut-off VM (made through the API from an image template) is cloned from the UI (a task with
// progress, then the clone's page), converted to a template (the Start button goes away and the
// server refuses a start) and unmarked again (it starts), and a VM is installed from GRUB's rescue ISO through /vms/new.
// Guests: TCG, 64 MiB, no NIC, in a pool of this spec's own.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const PREFIX = "vde2eprov2-";
const TEMPLATE = `e2e clone base ${Date.now().toString(36)}`;
let pool: TestPool;
let host1: HostOne | undefined;
let sourceUuid = "";

test.beforeAll(async ({ browser }) => {
  pool = testPoolCreate(PREFIX);
  host1 = await hostOneEnsure(browser, `provisioning-02 host ${PREFIX}`);
  const admin = await signedInContext(browser, ADMIN);
  try {
    const t = await admin.api.post("/api/templates", {
      name: TEMPLATE,
      vcpus: 1,
      memoryMiB: 64,
      maxMemoryMiB: 64,
      domainType: "qemu",
      disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
      source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
    });
    expect(t.status(), await t.text()).toBe(201);
    const templateId = ((await t.json()) as { template: { id: string } }).template.id;
    const vm = await admin.api.post("/api/vms/create", {
      mode: "template",
      hostId: host1.hostId,
      templateId,
      name: `${PREFIX}src`,
      clone: "full",
      start: false,
    });
    expect(vm.status(), await vm.text()).toBe(202);
    const taskId = ((await vm.json()) as { taskId: string }).taskId;
    await expect
      .poll(
        async () =>
          ((await (await admin.api.get(`/api/tasks/${taskId}`)).json()) as { task: { status: string } }).task.status,
        { timeout: 60_000 },
      )
      .toBe("succeeded");
    const task = (
      (await (await admin.api.get(`/api/tasks/${taskId}`)).json()) as { task: { result: { uuid: string } } }
    ).task;
    sourceUuid = task.result.uuid;
  } finally {
    await admin.context.close();
  }
});

test.afterAll(async ({ browser }) => {
  const admin = await signedInContext(browser, ADMIN);
  try {
    const list = (await (await admin.api.get("/api/templates")).json()) as {
      templates: { id: string; name: string }[];
    };
    for (const t of list.templates.filter((x) => x.name === TEMPLATE || x.name.startsWith(PREFIX)))
      await admin.api.delete(`/api/templates/${t.id}`);
  } finally {
    await admin.context.close();
  }
  pool?.cleanup();
  await hostOneRelease(browser, host1);
});

test("clones a shut-off VM from its Hardware tab, with the task's progress", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${host1!.hostId}/${sourceUuid}`);
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "shutoff");
  await page.getByTestId("vm-tab-hardware").click();
  await page.getByTestId("vm-clone-open").click();
  const dialog = page.getByTestId("vm-clone-dialog");
  await expect(dialog.getByTestId("vm-clone-mode-linked")).toBeDisabled();
  await dialog.getByTestId("vm-clone-name").fill(`${PREFIX}copy`);
  await dialog.getByTestId("vm-clone-start").check();
  await dialog.getByTestId("vm-clone-submit").click();
  const task = dialog.getByTestId("vm-clone-task");
  await expect(task).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(dialog.getByTestId("vm-clone-task-progress")).toHaveAttribute("aria-valuenow", "100");
  await expect(task).toContainText(`Clone ${PREFIX}src to ${PREFIX}copy (full copy)`);
  await dialog.getByTestId("vm-clone-task-open-vm").click();
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-name", `${PREFIX}copy`);
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  const uuid = (await page.getByTestId("vm-detail").getAttribute("data-uuid"))!;
  expect(uuid).not.toBe(sourceUuid);
  expect(virshHost1(["dumpxml", "--inactive", uuid])).toContain(`<source file='${pool.dir}/${PREFIX}copy.qcow2'/>`);
  virshHost1(["destroy", uuid]);
});

test("with the French locale the tasks page shows the clone's and the create's titles, status and log in French", async ({
  page,
  context,
}) => {
  await context.addCookies([{ name: "vd_locale", value: "fr", url: baseURL() }]);
  await loginApi(page.request, ADMIN);
  await page.goto("/tasks");
  const titles = page.getByTestId("tasks-list");
  await expect(titles).toContainText(`Cloner ${PREFIX}src en ${PREFIX}copy (copie complète)`);
  await expect(titles).toContainText(new RegExp(`Créer ${PREFIX}src sur .+ \\(copie complète\\)`));
  await expect(titles).not.toContainText(`Clone ${PREFIX}src to`);
  // The clone's status message and log lines are stored as message keys: shown in French too.
  const clone = page.getByTestId("tasks-item").filter({ hasText: `Cloner ${PREFIX}src en ${PREFIX}copy` });
  await expect(clone.getByTestId("tasks-item-message")).toHaveText("En marche");
  await clone.getByTestId("tasks-item-toggle").click();
  const log = clone.getByTestId("task-log");
  await expect(log).toContainText(`${PREFIX}copy définie (`);
  await expect(log).toContainText("Démarrée");
  await expect(log).not.toContainText("Started");
});

test("converts a VM to a template: no Start button, and the server refuses a start", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${host1!.hostId}/${sourceUuid}`);
  await expect(page.getByTestId("vm-action-start")).toBeVisible();
  await page.getByTestId("vm-tab-hardware").click();
  await page.getByTestId("vm-to-template-open").click();
  const dialog = page.getByTestId("vm-to-template-dialog");
  await dialog.getByTestId("vm-to-template-name").fill(`${PREFIX}golden`);
  await dialog.getByTestId("vm-to-template-dialog-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("hw-template-note")).toBeVisible();
  await expect(page.getByTestId("vm-action-start")).toHaveCount(0);
  expect(virshHost1(["dumpxml", "--inactive", sourceUuid])).toContain("virtdeck:template");

  const csrf = ((await (await page.request.get("/api/auth/me")).json()) as { csrfToken: string }).csrfToken;
  const start = await page.request.post(`/api/vms/${host1!.hostId}/${sourceUuid}/actions`, {
    headers: { "x-csrf-token": csrf },
    data: { action: "start" },
  });
  expect(start.status()).toBe(409);
  expect(((await start.json()) as { error: { message: string } }).error.message).toMatch(/template/);
  expect(virshHost1(["domstate", sourceUuid]).trim()).toBe("shut off");

  await page.goto("/templates");
  await expect(
    page
      .getByTestId("template-row")
      .filter({ has: page.getByTestId("template-name-cell").getByText(`${PREFIX}golden`, { exact: true }) }),
  ).toHaveCount(1);
});

test("unmarks the template: the record goes and the VM starts again", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${host1!.hostId}/${sourceUuid}`);
  await page.getByTestId("vm-tab-hardware").click();
  await expect(page.getByTestId("hw-template-note")).toBeVisible();
  await expect(page.getByTestId("vm-to-template-open")).toHaveCount(0);
  await page.getByTestId("vm-unmark-template-open").click();
  const dialog = page.getByTestId("vm-unmark-template-dialog");
  await dialog.getByTestId("vm-unmark-template-dialog-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("hw-template-note")).toHaveCount(0);
  await expect(page.getByTestId("vm-to-template-open")).toBeVisible();
  expect(virshHost1(["dumpxml", "--inactive", sourceUuid])).not.toContain("virtdeck:template");
  await page.getByTestId("vm-action-start").click();
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  expect(virshHost1(["domstate", sourceUuid]).trim()).toBe("running");
  virshHost1(["destroy", sourceUuid]);

  await page.goto("/templates");
  await expect(page.getByTestId("template-name-cell").getByText(`${PREFIX}golden`, { exact: true })).toHaveCount(0);
});

test("removes a disk together with its volume, after confirming", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  const csrf = ((await (await page.request.get("/api/auth/me")).json()) as { csrfToken: string }).csrfToken;
  const add = await page.request.patch(`/api/vms/${host1!.hostId}/${sourceUuid}/hardware`, {
    headers: { "x-csrf-token": csrf },
    data: { addDisk: { sizeMiB: 8, format: "raw", bus: "virtio", cache: "default", pool: pool.name } },
  });
  expect(add.status(), await add.text()).toBe(200);
  const volume = `${PREFIX}src-disk1.raw`;
  expect(virshHost1(["vol-list", pool.name])).toContain(volume);
  await page.goto(`/vms/${host1!.hostId}/${sourceUuid}`);
  await page.getByTestId("vm-tab-hardware").click();
  await page
    .getByTestId("hw-disk")
    .filter({ has: page.getByTestId("hw-disk-source").getByText(volume) })
    .getByTestId("hw-disk-remove")
    .click();
  const dialog = page.getByTestId("hw-disk-remove-dialog");
  const option = dialog.getByTestId("hw-disk-remove-delete-volume");
  await expect(option).not.toBeChecked();
  await option.check();
  await dialog.getByTestId("hw-disk-remove-dialog-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("hw-result-live")).toContainText("deleted");
  await expect(page.getByTestId("hw-disk-source").getByText(volume)).toHaveCount(0);
  expect(virshHost1(["vol-list", pool.name])).not.toContain(volume);
});

test("installs a VM from an ISO through the New VM wizard", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/vms");
  await page.getByTestId("vm-new").click();
  await expect(page).toHaveURL(/\/vms\/new$/);
  await page.getByTestId("vm-create-mode-iso").click();
  await page.getByTestId("vm-create-host").selectOption(host1!.hostId);
  await page.getByTestId("vm-create-name").fill(`${PREFIX}iso`);
  const iso = page.getByTestId("vm-create-iso");
  await expect(iso.locator("option", { hasText: pool.isoVolume })).toHaveCount(1, { timeout: 20_000 });
  await iso.selectOption({ label: `${pool.name} / ${pool.isoVolume}` });
  await page.getByTestId("hw-memory").fill("64");
  await page.getByTestId("hw-max-memory").fill("64");
  await page.getByTestId("hw-domain-type").selectOption("qemu");
  await expect(page.getByTestId("hw-disk-row")).toHaveCount(1);
  await page.getByTestId("hw-disk-size-0").fill("16");
  await page.getByTestId("hw-disk-pool-0").selectOption(pool.name);
  await page.getByTestId("vm-create-submit").click();
  await expect(page).toHaveURL(/\/vms\/[0-9a-f-]+\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running", { timeout: 20_000 });
  const uuid = (await page.getByTestId("vm-detail").getAttribute("data-uuid"))!;
  const xml = virshHost1(["dumpxml", uuid]);
  expect(xml).toMatch(/<boot dev='cdrom'\/>\s*<boot dev='hd'\/>/);
  // GRUB is read from the ISO's drive (~0.8 MB up to its menu).
  await expect
    .poll(() => Number(/rd_bytes (\d+)/.exec(virshHost1(["domblkstat", uuid, "hda"]))?.[1] ?? 0), { timeout: 30_000 })
    .toBeGreaterThan(500_000);
});
