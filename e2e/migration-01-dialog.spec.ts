import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { guestDefineHost1, guestRemoveHost1, virshHost1, type HostOne } from "./helpers/host1";
import { hostThreeEnsure, hostThreeRelease, virshHost3 } from "./helpers/host3";
import { loginApi } from "./helpers/session";

// The VM page's Migrate dialog, host 1 -> host 3 (two system libvirt daemons; the migration goes through
// virtdeck's SSH relay). A shut-off guest whose name is taken on host 3: the clash check fails, its reason
// shows and Start stays disabled. A running guest (SeaBIOS, no disk: nothing to find on host 3): the report
// passes in live mode, a bandwidth the server refuses is shown under its field, then the migration runs as a
// task followed in the dialog, which links the VM on host 3. axe finds nothing serious in either state.
//
// VD_E2E_SHOTS=<dir>: also saves screenshots of the dialog (desktop and phone, light and dark) there.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-mig-e2e-${tag}`, uuid: randomUUID() };
const CLASH = { name: `vdtest-migc-e2e-${tag}`, uuid: randomUUID() };
/** On host 3: another domain with CLASH's name. */
const CLASH_THERE = { name: CLASH.name, uuid: randomUUID() };
const SHOTS = process.env.VD_E2E_SHOTS;

// Twelve screenshots take their time on a loaded machine.
// A live migration of a TCG guest, with the dialog's checks and axe before it, took 62 s at load 9-12:
// more than the default 60 s for the whole test.
test.setTimeout(SHOTS ? 180_000 : 150_000);

const xml = (g: { name: string; uuid: string }) =>
  testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] });

const stack = host1GuestsSetup({
  hostName: `migration-01 host ${tag}`,
  dirPrefix: "vdtest-mig-",
  guests: [GUEST],
  xml,
});
let host3: HostOne | undefined;
let dir = "";

test.beforeAll(async ({ browser }) => {
  host3 = await hostThreeEnsure(browser, `migration-01 host3 ${tag}`);
  guestDefineHost1(path.join(stack.workDir, `${CLASH.uuid}.xml`), xml(CLASH));
  // host 3 has a mount namespace of its own with its own /var/lib/libvirt: its domain XML goes through /tmp.
  dir = mkdtempSync(path.join(tmpdir(), "vd-e2e-mig-"));
  writeFileSync(path.join(dir, "clash.xml"), xml(CLASH_THERE));
  virshHost3(["define", path.join(dir, "clash.xml")]);
});

test.afterAll(async ({ browser }) => {
  for (const uuid of [GUEST.uuid, CLASH_THERE.uuid])
    for (const cmd of ["destroy", "undefine"]) {
      try {
        virshHost3([cmd, uuid]);
      } catch {
        // not running / not there
      }
    }
  guestRemoveHost1(CLASH.uuid);
  if (dir) rmSync(dir, { recursive: true, force: true });
  await hostThreeRelease(browser, host3);
});

const vmPath = (hostId: string, uuid: string) => `/vms/${encodeURIComponent(hostId)}/${uuid}`;

async function dialogOpen(page: Page, uuid: string) {
  await page.goto(vmPath(stack.hostId, uuid));
  await page.getByTestId("vm-more").click();
  await page.getByTestId("vm-migrate-open").click();
  const dialog = page.getByTestId("vm-migrate-dialog");
  await expect(dialog).toBeVisible();
  await dialog.getByTestId("vm-migrate-dest").selectOption(host3!.hostId);
  return dialog;
}

/** Serious and critical axe violations inside the dialog, one line each. */
async function axeDialog(page: Page): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page }).include('[data-testid="vm-migrate-dialog"]').analyze();
  return violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `[${v.impact}] ${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
}

/** With VD_E2E_SHOTS: the page as it is, at desktop and phone sizes, light and dark. */
async function shots(page: Page, name: string) {
  if (!SHOTS) return;
  const size = page.viewportSize();
  for (const [w, h] of [
    [1440, 900],
    [390, 844],
  ] as const)
    for (const scheme of ["light", "dark"] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.emulateMedia({ colorScheme: scheme });
      await page.screenshot({
        path: path.join(SHOTS, `migui-${name}-${w}x${h}-${scheme}.png`),
        animations: "disabled",
      });
    }
  await page.emulateMedia({ colorScheme: null });
  if (size) await page.setViewportSize(size);
}

test("a destination where the VM's name is taken fails the clash check: reason shown, Start disabled", async ({
  page,
}) => {
  await loginApi(page.request, ADMIN);
  const dialog = await dialogOpen(page, CLASH.uuid);
  const report = dialog.getByTestId("vm-migrate-report");
  await expect(report).toHaveAttribute("data-ok", "false");
  await expect(report).toHaveAttribute("data-mode", "offline");
  const clash = report.locator('[data-testid="vm-migrate-check"][data-check="clash"]');
  await expect(clash).toHaveAttribute("data-status", "fail");
  await expect(clash).toContainText("Name and UUID free");
  await expect(clash).toContainText(`a domain named ${CLASH.name} exists`);
  // The failing reason is also said next to the summary the disabled Start points at.
  await expect(dialog.getByTestId("vm-migrate-blocked")).toContainText(`a domain named ${CLASH.name} exists`);
  await expect(dialog.getByTestId("vm-migrate-start")).toBeDisabled();
  // Offline: the live-only options are off.
  await expect(dialog.getByTestId("vm-migrate-autoconverge")).toBeDisabled();
  await expect(dialog.getByTestId("vm-migrate-bandwidth")).toBeDisabled();
  expect(await axeDialog(page)).toEqual([]);
  await shots(page, "blocked");
  await dialog.getByTestId("vm-migrate-cancel").click();
  await expect(dialog).toBeHidden();
  expect(virshHost1(["domstate", CLASH.uuid]).trim()).toBe("shut off");
});

test("live-migrate a running VM to host 3 from its page, follow the task, land on it there", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  const dialog = await dialogOpen(page, GUEST.uuid);
  const report = dialog.getByTestId("vm-migrate-report");
  await expect(report).toHaveAttribute("data-ok", "true");
  await expect(report).toHaveAttribute("data-mode", "live");
  await expect(dialog.getByTestId("vm-migrate-mode")).toHaveText("Live migration");
  await expect(report.locator('[data-testid="vm-migrate-check"][data-status="fail"]')).toHaveCount(0);
  await expect(report.locator('[data-testid="vm-migrate-check"][data-check="clash"]')).toHaveAttribute(
    "data-status",
    "pass",
  );
  await expect(dialog.getByTestId("vm-migrate-undefine")).toBeChecked();
  await expect(dialog.getByTestId("vm-migrate-undefine-note")).toContainText("is removed from the VMs of");
  expect(await axeDialog(page)).toEqual([]);
  await shots(page, "ready");
  if (SHOTS) {
    await dialog.getByTestId("vm-migrate-bandwidth").scrollIntoViewIfNeeded();
    await shots(page, "options");
  }

  // Not a whole number of MiB/s: the server refuses it and the message shows under the field.
  const bandwidth = dialog.getByTestId("vm-migrate-bandwidth");
  await bandwidth.fill("1.5");
  await dialog.getByTestId("vm-migrate-start").click();
  await expect(dialog.getByTestId("vm-migrate-error")).toBeVisible();
  await expect(bandwidth).toHaveAttribute("aria-invalid", "true");
  await expect(dialog.getByTestId("vm-migrate-error")).toContainText("Correct the fields marked below.");
  await expect(dialog.getByTestId("vm-migrate-options").getByText(/expected int/i)).toBeVisible();
  expect(virshHost1(["domstate", GUEST.uuid]).trim()).toBe("running");

  await bandwidth.fill("");
  await dialog.getByTestId("vm-migrate-start").click();
  const task = dialog.getByTestId("vm-migrate-task");
  await expect(task).toBeVisible();
  await expect(task.getByTestId("vm-migrate-task-progress")).toBeVisible();
  await expect(task).toHaveAttribute("data-status", "succeeded", { timeout: 90_000 });
  await shots(page, "done");
  await task.getByTestId("vm-migrate-task-open-vm").click();
  await expect(page).toHaveURL(vmPath(host3!.hostId, GUEST.uuid));
  const detail = page.getByTestId("vm-detail");
  await expect(detail).toHaveAttribute("data-host-id", host3!.hostId);
  await expect(detail).toHaveAttribute("data-state", "running");
  expect(virshHost3(["domstate", GUEST.uuid]).trim()).toBe("running");
  expect(() => virshHost1(["domstate", GUEST.uuid])).toThrow();
});
