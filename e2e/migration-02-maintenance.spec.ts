import { randomBytes, randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { virshHost1, type HostOne } from "./helpers/host1";
import { hostThreeEnsure, hostThreeRelease, virshHost3 } from "./helpers/host3";
import { api, loginApi, signedInContext } from "./helpers/session";

// Maintenance mode from the host page, host 1 -> host 3 and back: the plan proposes host 3 for two
// running guests (each pre-flight passes), the operator confirms, the evacuation task is followed on
// the page, host 1 is badged "In maintenance" and virsh shows both guests running on host 3; then
// "Return VMs" (confirmed) brings both back running on host 1 and the badge goes.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUESTS = [
  { name: `vdtest-mnt-e2e-a-${tag}`, uuid: randomUUID() },
  { name: `vdtest-mnt-e2e-b-${tag}`, uuid: randomUUID() },
];

const stack = host1GuestsSetup({
  hostName: `migration-02 host ${tag}`,
  dirPrefix: "vdtest-mnt-",
  guests: GUESTS,
  xml: (g) => testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, displays: [{ type: "vnc" }] }),
});
let host3: HostOne | undefined;

const domstate = (virsh: (a: string[]) => string, uuid: string) => {
  try {
    return virsh(["domstate", uuid]).trim();
  } catch {
    return "absent";
  }
};

test.beforeAll(async ({ browser }) => {
  host3 = await hostThreeEnsure(browser, `migration-02 host3 ${tag}`);
});

test.afterAll(async ({ browser }) => {
  // Whatever happened above, host 1's record is in service again and nothing of ours stays on host 3.
  const admin = await signedInContext(browser, ADMIN);
  await (await api(admin.page.request)).delete(`/api/hosts/${stack.hostId}/maintenance`);
  await admin.context.close();
  for (const g of GUESTS)
    for (const cmd of ["destroy", "undefine"]) {
      try {
        virshHost3([cmd, g.uuid]);
      } catch {
        // not there
      }
    }
  await hostThreeRelease(browser, host3);
});

test("evacuates host 1 from its page and returns the guests", async ({ page }) => {
  test.setTimeout(240_000);
  await loginApi(page.request, ADMIN);
  await page.goto(`/hosts/${encodeURIComponent(stack.hostId)}`);
  const card = page.getByTestId("host-maintenance");
  await expect(card).toHaveAttribute("data-maintenance", "off");
  await card.getByTestId("host-maintenance-plan").click();

  const dialog = page.getByTestId("host-maint-dialog");
  await expect(dialog).toBeVisible();
  for (const g of GUESTS) {
    const row = dialog.locator(`[data-testid="host-maint-row"][data-vm-uuid="${g.uuid}"]`);
    await expect(row).toBeVisible({ timeout: 30_000 });
    await expect(row.getByTestId("host-maint-target")).toHaveValue(host3!.hostId);
    await expect(row.getByTestId("host-maint-action")).toHaveValue("migrate");
    await expect(row.getByTestId("host-maint-preflight")).toContainText("Ready (live)");
  }
  // The operator may change a target: choosing it again by keyboard keeps the plan valid.
  const first = dialog.locator(`[data-testid="host-maint-row"][data-vm-uuid="${GUESTS[0].uuid}"]`);
  await first.getByTestId("host-maint-target").selectOption(host3!.hostId);

  await dialog.getByTestId("host-maint-start").click();
  await expect(dialog.getByTestId("host-maint-confirm-text")).toContainText("Put");
  await dialog.getByTestId("host-maint-confirm").click();
  await expect(dialog).toBeHidden();

  const task = card.getByTestId("host-maintenance-task");
  await expect(task).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(page.getByTestId("host-maintenance-badge").first()).toBeVisible();
  await expect(card).toHaveAttribute("data-maintenance", "on");
  for (const g of GUESTS) {
    expect(domstate(virshHost3, g.uuid)).toBe("running");
    expect(domstate(virshHost1, g.uuid)).toBe("absent");
  }
  await expect(card.getByTestId("host-maintenance-evacuated")).toContainText(GUESTS[0].name);

  await card.getByTestId("host-maintenance-return").click();
  const confirm = page.getByTestId("host-maintenance-return-dialog");
  await expect(confirm).toBeVisible();
  await confirm.getByTestId("host-maintenance-return-dialog-confirm").click();
  await expect(confirm).toBeHidden();
  await expect(task).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(card).toHaveAttribute("data-maintenance", "off");
  await expect(page.getByTestId("host-maintenance-badge")).toHaveCount(0);
  for (const g of GUESTS) {
    expect(domstate(virshHost1, g.uuid)).toBe("running");
    expect(domstate(virshHost3, g.uuid)).toBe("absent");
  }
});
