import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { HOST1, qcow2Create, virshHost1 } from "./helpers/host1";
import { api, loginApi, loginUi } from "./helpers/session";

// Hosts and VMs through the UI against the real stack: host 1 of the test
// stack (root@127.0.0.1, qemu:///system) is added with its private key pasted,
// its host key is compared and pinned, and a tiny guest this spec defines with
// plain `virsh` is started, forced off and watched live.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";

const tag = randomBytes(3).toString("hex");
const HOST_NAME = `e2e host ${tag}`;
// Quotes, spaces, markup and shell syntax: rendered as text, matched through data-* attributes only.
const GUEST = { name: `vdtest-e2e-${tag} "web" <&> $(x)`, uuid: randomUUID() };
let diskDir = "";
let hostId = "";

const HOST = HOST1;
const virsh = virshHost1;

const domstate = () => virsh(["domstate", GUEST.uuid]).trim();

/** 64 MiB, no NIC, one empty qcow2, VNC on loopback; built as a DOM, never by string concatenation. */
function guestXml(disk: string): string {
  return testGuestXml({
    ...GUEST,
    title: "fleet-01 e2e guest",
    domainType: DOMAIN_TYPE,
    memoryMiB: 64,
    currentMemory: true,
    acpi: true,
    disk,
    displays: [{ type: "vnc" }],
  });
}

const vmRow = (page: Page) => page.locator(`[data-testid="vm-row"][data-uuid="${GUEST.uuid}"]`);

test.beforeAll(() => {
  diskDir = mkdtempSync(path.join(tmpdir(), "vdtest-e2e-"));
  chmodSync(diskDir, 0o755);
  const disk = path.join(diskDir, "disk.qcow2");
  qcow2Create(disk);
  chmodSync(disk, 0o644);
  const xml = path.join(diskDir, "domain.xml");
  writeFileSync(xml, guestXml(disk));
  virsh(["define", xml]);
  expect(domstate()).toBe("shut off");
});

test.afterAll(async ({ browser }) => {
  try {
    virsh(["destroy", GUEST.uuid]);
  } catch {
    // not running
  }
  try {
    virsh(["undefine", GUEST.uuid, "--managed-save"]);
  } catch (err) {
    if (!/failed to get domain|not found/i.test(String(err))) throw err;
  } finally {
    if (diskDir) rmSync(diskDir, { recursive: true, force: true });
  }
  if (hostId) {
    const context = await browser.newContext({ baseURL: test.info().project.use.baseURL });
    await loginApi(context.request, ADMIN);
    const res = await (await api(context.request)).delete(`/api/hosts/${hostId}`);
    expect(res.status(), await res.text()).toBe(200);
    await context.close();
  }
});

test("adds host 1 with a pasted key, shows the presented fingerprint, pins it, and the host goes online", async ({
  page,
}) => {
  await loginUi(page, ADMIN);
  await page.goto("/hosts");
  await page.getByTestId("host-add-open").click();
  await page.getByTestId("host-add-name").fill(HOST_NAME);
  await page.getByTestId("host-add-address").fill(HOST.address);
  await page.getByTestId("host-add-port").fill(String(HOST.port));
  await page.getByTestId("host-add-user").fill(HOST.user);
  await page.getByTestId("host-add-uri").fill(HOST.uri);
  await expect(page.getByTestId("host-add-key-generate")).toBeChecked();
  await expect(page.getByTestId("host-add-privatekey")).toHaveCount(0);
  await page.getByTestId("host-add-key-paste").check();
  await page.getByTestId("host-add-privatekey").fill(readFileSync(HOST.keyFile, "utf8"));
  await page.getByTestId("host-add-submit").click();

  // The public key derived from the pasted private key; the private key itself never comes back.
  await expect(page.getByTestId("host-public-key")).toHaveText(/^ssh-ed25519 \S+/);
  await expect(page.getByTestId("host-add-dialog")).not.toContainText("PRIVATE KEY");
  hostId = (await page.getByTestId("host-add-created").getAttribute("data-host-id")) ?? "";
  expect(hostId).not.toBe("");

  await page.getByTestId("host-test").click();
  const steps = page.getByTestId("host-test-step");
  await expect(steps).toHaveCount(6);
  await expect(steps.and(page.locator('[data-step="tcp"]'))).toHaveAttribute("data-ok", "true");
  await expect(steps.and(page.locator('[data-step="ssh"]'))).toHaveAttribute("data-ok", "true");
  await expect(steps.and(page.locator('[data-step="hostkey"]'))).toHaveAttribute("data-ok", "false");
  // The key the host showed is the one sshd of the stack really has.
  await expect(page.getByTestId("host-fingerprint")).toHaveText(HOST.fingerprint);

  await page.getByTestId("host-confirm-key").click();
  await expect(page.getByTestId("host-key-pinned")).toContainText(HOST.fingerprint);
  await expect(page.getByTestId("host-fingerprint")).toHaveCount(0);
  // Pinning tests again: now every step passes.
  for (const id of ["tcp", "ssh", "hostkey", "virsh", "libvirt", "virt"]) {
    await expect(steps.and(page.locator(`[data-step="${id}"]`)), id).toHaveAttribute("data-ok", "true");
  }
  await page.getByTestId("host-add-done").click();

  const row = page.locator(`[data-testid="host-row"][data-host-id="${hostId}"]`);
  await expect(row).toHaveAttribute("data-host-name", HOST_NAME);
  await expect(row.getByTestId("host-status")).toHaveAttribute("data-status", "online");

  // And after a reload (from the API, not the dialog's state).
  await page.reload();
  await expect(row.getByTestId("host-status")).toHaveAttribute("data-status", "online");
  await row.getByTestId("host-link").click();
  await expect(page.getByTestId("host-name")).toHaveText(HOST_NAME);
  await expect(page.getByTestId("host-pinned-key")).toHaveText(HOST.fingerprint);
  await expect(page.getByTestId("host-info-libvirt")).toHaveText(/^\d+\.\d+/);
  await expect(page.getByTestId("host-vms-by-state")).toBeVisible();
  // The host's list, searched by name (the shared stack may hold more than a page of guests).
  await page.getByTestId("vm-filter-q").fill(`vdtest-e2e-${tag}`);
  await expect(vmRow(page)).toHaveAttribute("data-name", GUEST.name);
  await expect(page.getByTestId("vm-row")).toHaveCount(1);
  await expect(page.getByTestId("vm-total")).toHaveAttribute("data-total", "1");
});

test("lists the guest, starts it from the list and forces it off from its page after a confirmation", async ({
  page,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms?q=${encodeURIComponent(`vdtest-e2e-${tag}`)}`);
  const row = vmRow(page);
  await expect(row).toHaveAttribute("data-name", GUEST.name);
  await expect(row).toHaveAttribute("data-host-id", hostId);
  await expect(row).toHaveAttribute("data-state", "shutoff");
  await expect(row.getByTestId("vm-link")).toHaveText(GUEST.name);

  await row.getByTestId("vm-row-actions").click();
  const start = page.getByTestId("vm-row-action-start");
  await expect(start).toBeVisible();
  await expect(page.getByTestId("vm-row-action-destroy")).toHaveCount(0); // not offered while shut off
  await start.click();
  await expect(row).toHaveAttribute("data-state", "running");
  await expect(row.getByTestId("vm-state")).toHaveAttribute("data-state", "running");
  expect(domstate()).toBe("running");

  await row.getByTestId("vm-link").click();
  await expect(page).toHaveURL(new RegExp(`/vms/${hostId}/${GUEST.uuid}$`));
  const detail = page.getByTestId("vm-detail");
  await expect(detail).toHaveAttribute("data-name", GUEST.name);
  await expect(page.getByTestId("vm-name")).toHaveText(GUEST.name);
  await expect(page.getByTestId("vm-uuid")).toHaveText(GUEST.uuid);
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running");
  // Running: the primary action is Shut down; Start is not offered.
  await expect(page.getByTestId("vm-action-shutdown")).toBeEnabled();
  await expect(page.getByTestId("vm-action-start")).toHaveCount(0);

  // Cancelling leaves the guest alone.
  await page.getByTestId("vm-power").click();
  await page.getByTestId("vm-action-destroy").click();
  await expect(page.getByTestId("vm-confirm")).toContainText(GUEST.name);
  await page.getByTestId("vm-confirm-cancel").click();
  await expect(page.getByTestId("vm-confirm")).not.toBeVisible();
  expect(domstate()).toBe("running");

  await page.getByTestId("vm-power").click();
  await page.getByTestId("vm-action-destroy").click();
  await page.getByTestId("vm-confirm-confirm").click();
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "shutoff");
  await expect(page.getByTestId("vm-action-start")).toBeEnabled();
  await expect(page.getByTestId("vm-action-error")).toHaveCount(0);
  expect(domstate()).toBe("shut off");

  // The XML tab shows the definition with the name escaped by libvirt, as text.
  await page.getByTestId("vm-tab-xml").click();
  await expect(page.getByTestId("vm-xml")).toContainText(`<uuid>${GUEST.uuid}</uuid>`);
  await expect(page.getByTestId("vm-xml")).toContainText("&lt;&amp;&gt;");
});

test("a shutdown shows as under way, and a guest that ignores it is offered Force off", async ({ page }) => {
  test.setTimeout(90_000);
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${hostId}/${GUEST.uuid}`);
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "shutoff");
  await page.getByTestId("vm-action-start").click();
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "running", { timeout: 20_000 });

  // The guest has no operating system: it never answers the ACPI power button.
  const shutdown = page.getByTestId("vm-action-shutdown");
  await shutdown.click();
  await expect(shutdown).toHaveAttribute("data-pending", "true");
  await expect(shutdown).toBeDisabled();
  await expect(shutdown).toContainText("Shutting down");
  await expect(page.getByTestId("vm-shutdown-slow")).toHaveCount(0);
  await expect(page.getByTestId("vm-shutdown-slow")).toBeVisible({ timeout: 35_000 });
  expect(domstate()).toBe("running");

  await page.getByTestId("vm-shutdown-force").click();
  await page.getByTestId("vm-confirm-confirm").click();
  await expect(page.getByTestId("vm-detail-state")).toHaveAttribute("data-state", "shutoff", { timeout: 20_000 });
  await expect(page.getByTestId("vm-shutdown-slow")).toHaveCount(0);
  await expect(page.getByTestId("vm-action-start")).toBeEnabled();
  expect(domstate()).toBe("shut off");
});

test("a guest started outside virtdeck turns running in the open /vms page within 2 seconds, without a reload", async ({
  page,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms?q=${encodeURIComponent(`vdtest-e2e-${tag}`)}`);
  const row = vmRow(page);
  await expect(row).toHaveAttribute("data-state", "shutoff");
  await expect(page.getByTestId("vms-live")).toHaveAttribute("data-status", "live");
  // The page notes when the row turns running (and a reload would wipe the note): the browser's
  // clock, not the polling interval of expect(), measures the delay.
  await page.evaluate((uuid) => {
    const w = window as unknown as { __vdRunningAt?: number };
    const row = document.querySelector(`[data-testid="vm-row"][data-uuid="${uuid}"]`)!;
    new MutationObserver(() => {
      if (row.getAttribute("data-state") === "running") w.__vdRunningAt ??= Date.now();
    }).observe(row, { attributes: true, attributeFilter: ["data-state"] });
  }, GUEST.uuid);

  virsh(["start", GUEST.uuid]);
  const started = Date.now();
  await expect(row).toHaveAttribute("data-state", "running", { timeout: 5_000 });
  const runningAt = await page.evaluate(() => (window as unknown as { __vdRunningAt?: number }).__vdRunningAt);
  expect(runningAt, "the same row changed in place, without a reload").toBeDefined();
  test.info().annotations.push({ type: "live delay (ms)", description: String(runningAt! - started) });
  expect(runningAt! - started).toBeLessThan(2_000);

  virsh(["destroy", GUEST.uuid]);
  await expect(row).toHaveAttribute("data-state", "shutoff", { timeout: 5_000 });
});
