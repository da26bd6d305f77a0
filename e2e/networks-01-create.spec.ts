import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import type { HostOne } from "./helpers/host1";
import { hostThreeEnsure, hostThreeRelease, virshHost3 } from "./helpers/host3";
import { loginApi } from "./helpers/session";

// Networks page against test host 3 (its own network namespace: a network with DHCP may only live
// there): the create wizard with the NAT preset, a DHCP range and a static host; a bad static host
// is refused naming its field; the network is started from its row and shows active; its leases
// open; an edit of the running network is stored and said to apply after a restart.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const TAG = randomBytes(3).toString("hex");
const NET = `vde2enet-${TAG}`;
let host3: HostOne | undefined;

test.beforeAll(async ({ browser }) => {
  host3 = await hostThreeEnsure(browser, `e2e-networks-${TAG}`);
});

test.afterAll(async ({ browser }) => {
  for (const cmd of ["net-destroy", "net-undefine"]) {
    try {
      virshHost3([cmd, NET]);
    } catch {}
  }
  await hostThreeRelease(browser, host3);
});

test("create a NAT network with DHCP and a static host on host 3 from the wizard, then start it", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/networks");
  await page.getByTestId("network-create-open").click();
  const dialog = page.getByTestId("network-create-dialog");
  await dialog.getByTestId("network-preset-nat").click();
  await dialog.getByTestId("network-host").selectOption(host3!.hostId);
  await dialog.getByTestId("network-name").fill(NET);
  await expect(dialog.getByTestId("network-mode")).toHaveValue("nat");
  await dialog.getByTestId("network-v4-address").fill("192.168.121.1");
  await dialog.getByTestId("network-v4-dhcp-start").fill("192.168.121.100");
  await dialog.getByTestId("network-v4-dhcp-end").fill("192.168.121.200");
  await dialog.getByTestId("network-host-add").click();
  await dialog.getByTestId("network-host-0-mac").fill("52:54:00:12:34:56");
  // Outside the subnet: refused, the message under the field, nothing defined.
  await dialog.getByTestId("network-host-0-ip").fill("192.168.122.5");
  await dialog.getByTestId("network-host-0-name").fill("web");
  await dialog.getByTestId("network-start-now").uncheck();
  await dialog.getByTestId("network-create-submit").click();
  await expect(dialog.getByTestId("network-create-error")).toContainText("ips.0.hosts.0.ip");
  expect(virshHost3(["net-list", "--all", "--name"])).not.toContain(NET);

  await dialog.getByTestId("network-host-0-ip").fill("192.168.121.5");
  await dialog.getByTestId("network-create-submit").click();
  await expect(dialog).toBeHidden();
  const row = page.getByTestId(`network-row-${NET}`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId("network-state")).toHaveText("Inactive");
  await expect(row).toContainText("192.168.121.1/24");
  await expect(row).toContainText("192.168.121.100 – 192.168.121.200");
  const xml = virshHost3(["net-dumpxml", "--inactive", NET]);
  expect(xml).toContain("<host mac='52:54:00:12:34:56' name='web' ip='192.168.121.5'/>");

  await row.getByTestId("network-start").click();
  await expect(row.getByTestId("network-state")).toHaveText("Active");
  await expect(page.getByTestId("networks-notice")).toContainText(NET);
  expect(virshHost3(["net-info", NET])).toMatch(/Active:\s+yes/);

  // Its leases (none yet), then an edit of the running network: stored now, applied after a restart.
  await row.getByTestId("network-leases-open").click();
  await expect(page.getByTestId("network-leases-dialog")).toContainText("No current leases.");
  await page.keyboard.press("Escape");
  await row.getByTestId("network-edit").click();
  await expect(dialog.getByTestId("network-name")).toHaveValue(NET);
  await expect(dialog.getByTestId("network-host-0-ip")).toHaveValue("192.168.121.5");
  await dialog.getByTestId("network-v4-dhcp-end").fill("192.168.121.150");
  await dialog.getByTestId("network-create-submit").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("networks-notice")).toContainText("applies after the network is restarted");
  expect(virshHost3(["net-dumpxml", "--inactive", NET])).toContain("192.168.121.150");
  expect(virshHost3(["net-dumpxml", NET])).toContain("192.168.121.200");
});
