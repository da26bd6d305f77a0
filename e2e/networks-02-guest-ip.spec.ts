import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { tinyGuestFiles } from "../tests/integration/helpers/tiny-guest";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import type { HostOne } from "./helpers/host1";
import { hostThreeEnsure, hostThreeRelease, virshHost3 } from "./helpers/host3";
import { loginApi } from "./helpers/session";

// A guest's IP address in the browser, on test host 3 (a network with DHCP, and a guest on it, live
// only in its own network namespace): the tiny guest asks for an address with DHCP, the VM page's
// "IP addresses" card shows its lease, the VM list shows it in its column and finds the VM by it;
// the host page shows the setup checklist.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const TAG = randomBytes(3).toString("hex");
const NET = `vde2eip-${TAG}`;
const GUEST = { name: `vde2e-ipg-${TAG}`, uuid: randomUUID() };
let host3: HostOne | undefined;
let dir: string;

test.beforeAll(async ({ browser }) => {
  host3 = await hostThreeEnsure(browser, `e2e-guest-ip-${TAG}`);
  dir = mkdtempSync(path.join(tmpdir(), "vd-e2e-ip-"));
  const netFile = path.join(dir, "net.xml");
  writeFileSync(
    netFile,
    `<network><name>${NET}</name><forward mode='nat'/><bridge name='vdeip${TAG}'/>` +
      `<ip address='192.168.158.1' prefix='24'><dhcp><range start='192.168.158.100' end='192.168.158.150'/></dhcp></ip></network>`,
  );
  virshHost3(["net-define", netFile]);
  virshHost3(["net-start", NET]);
  const guestFile = path.join(dir, "guest.xml");
  writeFileSync(
    guestFile,
    testGuestXml({
      ...GUEST,
      domainType: "qemu",
      memoryMiB: 128,
      kernelBoot: tinyGuestFiles(),
      networks: [NET],
      noBalloon: true,
    }),
  );
  virshHost3(["define", guestFile]);
  virshHost3(["start", GUEST.uuid]);
});

test.afterAll(async ({ browser }) => {
  for (const args of [
    ["destroy", GUEST.uuid],
    ["undefine", GUEST.uuid],
    ["net-destroy", NET],
    ["net-undefine", NET],
  ]) {
    try {
      virshHost3(args);
    } catch {}
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
  await hostThreeRelease(browser, host3);
});

test("the VM page shows the guest's DHCP lease, and the VM list finds the VM by its address", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${host3!.hostId}/${GUEST.uuid}`);
  const card = page.getByTestId("vm-addresses");
  await expect(card).toBeVisible();
  // The card asks again every few seconds until the guest has an address.
  const row = card.locator('[data-testid="vm-address"][data-source="lease"]');
  await expect(row).toBeVisible({ timeout: 120_000 });
  const address = (await row.getAttribute("data-address"))!;
  expect(address).toMatch(/^192\.168\.158\.(1[0-4]\d|150)$/);
  await expect(row).toContainText(`${address}/24`);
  await expect(row).toContainText("DHCP lease");
  expect(virshHost3(["net-dhcp-leases", NET])).toContain(address);

  await page.goto("/vms");
  await page.getByTestId("vm-filter-q").fill(address);
  const listed = page.locator(`[data-testid="vm-row"][data-uuid="${GUEST.uuid}"]`);
  await expect(listed).toBeVisible();
  await expect(page.getByTestId("vm-row")).toHaveCount(1);
  await expect(listed.getByTestId("vm-row-address")).toHaveAttribute("data-address", address);

  // The host's setup checklist: host 3 has an active network now.
  await page.goto(`/hosts/${host3!.hostId}`);
  const checklist = page.getByTestId("host-readiness");
  await expect(checklist).toBeVisible();
  await expect(checklist.locator('[data-check="network"]')).toHaveAttribute("data-ok", "true");
  await expect(checklist.locator('[data-check="pool"]')).toBeVisible();
});
