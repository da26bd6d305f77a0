import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, type HostOne } from "./helpers/host1";
import { host2Home, hostTwoEnsure, hostTwoRelease, runAsHost2, virshHost2, type HostTwo } from "./helpers/host2";
import { loginApi, signedInContext } from "./helpers/session";
import { testPoolCreate, type TestPool } from "../tests/integration/helpers/provisioning-pool";

// Templates across hosts in the New VM wizard: an image template whose base image lives on host 1 is
// deployed on host 2, which lacks it. The create answer offers "Copy the base image to <host 2> first";
// the confirmation names the size and the pool; the copy runs as a task (TaskWatch, progress), then
// Continue creates the VM on host 2 as a linked clone of the copy. The templates page lists the copy.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const PREFIX = "vde2etcopy-";
const TEMPLATE = `e2e template copy ${Date.now().toString(36)}`;
let pool: TestPool;
let dir2 = "";
let host1: HostOne | undefined;
let host2: HostTwo | undefined;

test.beforeAll(async ({ browser }) => {
  pool = testPoolCreate(PREFIX);
  // The same pool name on host 2 (as "default" usually is on every host), empty.
  dir2 = `${host2Home()}/${PREFIX}pool`;
  try {
    virshHost2(["pool-destroy", pool.name]); // a run stopped half-way may have left it
  } catch {}
  runAsHost2(["rm", "-rf", "--", dir2]);
  runAsHost2(["mkdir", "-p", dir2]);
  virshHost2(["pool-create-as", pool.name, "dir", "--target", dir2]);
  host1 = await hostOneEnsure(browser, `provisioning-03 host1 ${PREFIX}`);
  host2 = await hostTwoEnsure(browser, `provisioning-03 host2 ${PREFIX}`);
  const admin = await signedInContext(browser, ADMIN);
  try {
    const t = await admin.api.post("/api/templates", {
      name: TEMPLATE,
      vcpus: 1,
      memoryMiB: 64,
      maxMemoryMiB: 64,
      domainType: "qemu",
      defaultHostId: host1.hostId,
      disks: [{ sizeMiB: 32, format: "qcow2", bus: "virtio", pool: pool.name }],
      source: { kind: "image", pool: pool.name, volume: pool.baseVolume },
    });
    expect(t.status(), await t.text()).toBe(201);
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
    for (const t of list.templates.filter((x) => x.name === TEMPLATE)) await admin.api.delete(`/api/templates/${t.id}`);
  } finally {
    await admin.context.close();
  }
  for (const name of virshHost2(["list", "--all", "--name"])
    .split("\n")
    .map((s) => s.trim())) {
    if (!name.startsWith(PREFIX)) continue;
    try {
      virshHost2(["destroy", name]);
    } catch {}
    try {
      virshHost2(["undefine", name]);
    } catch {}
  }
  try {
    virshHost2(["pool-destroy", pool.name]);
  } catch {}
  runAsHost2(["rm", "-rf", "--", dir2]);
  pool?.cleanup();
  await hostTwoRelease(browser, host2);
  await hostOneRelease(browser, host1);
});

test("deploys a template on a host without its base image by copying it there first", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/templates");
  const row = page
    .getByTestId("template-row")
    .filter({ has: page.getByTestId("template-name-cell").getByText(TEMPLATE, { exact: true }) });
  await expect(row).toHaveCount(1);
  await expect(row.getByTestId("template-copy")).toHaveCount(0);
  await row.getByTestId("template-deploy").click();

  await expect(page).toHaveURL(/\/vms\/new\?template=/);
  await expect(page.getByTestId("vm-create-template")).not.toHaveValue("");
  await page.getByTestId("vm-create-host").selectOption(host2!.hostId);
  await page.getByTestId("vm-create-name").fill(`${PREFIX}web`);
  await page.getByTestId("vm-create-submit").click();

  // The host lacks the base image: the copy is offered, not an error.
  const offer = page.getByTestId("base-image-copy");
  await expect(offer).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId("vm-create-error")).toHaveCount(0);
  await offer.getByTestId("base-image-copy-start").click();
  const confirm = page.getByTestId("base-image-copy-confirm");
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(/MiB|KiB/);
  await expect(confirm.getByTestId("base-image-copy-pool")).toHaveValue(pool.name);
  await confirm.getByTestId("base-image-copy-confirm-confirm").click();

  const task = page.getByTestId("base-image-copy-task");
  await expect(task).toBeVisible();
  await expect(task).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  expect(virshHost2(["vol-list", pool.name])).toContain(pool.baseVolume);

  // Continue creates the VM on host 2, a linked clone of the copy.
  await page.getByTestId("base-image-copy-continue").click();
  await expect(page).toHaveURL(/\/vms\/[0-9a-f-]+\/[0-9a-f-]{36}$/, { timeout: 30_000 });
  await expect(page.getByTestId("vm-detail")).toHaveAttribute("data-name", `${PREFIX}web`);
  expect(virshHost2(["vol-dumpxml", "--pool", pool.name, `${PREFIX}web.qcow2`])).toContain(
    `<path>${dir2}/${pool.baseVolume}</path>`,
  );

  await page.goto("/templates");
  await expect(row.getByTestId("template-copy")).toHaveAttribute("data-host-id", host2!.hostId);
});
