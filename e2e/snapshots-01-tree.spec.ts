import { randomBytes, randomUUID } from "node:crypto";
import { expect, test } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { virshHost1 } from "./helpers/host1";
import { loginApi } from "./helpers/session";

// Snapshots on the VM page, end to end on host 1 with one running guest (SeaBIOS, a qcow2 disk): an
// admin takes two internal snapshots (the second is the first's child, the current one is marked),
// reverts to the first choosing "paused" after a confirmation, deletes the first with its subtree,
// and the tree is empty again; at phone width the tree fits the screen.
//
// FAILED_LOGINS: 0.
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-snap-e2e-${tag}`, uuid: randomUUID() };
// Quotes, ';', '<', '&': names reach virsh as argv and the XML as text. ('"' is refused for a running
// VM's internal snapshot: QEMU's monitor loses it; see lib/snapshots/plan.ts.)
const FIRST = `before 'change'; ${tag}`;
const SECOND = `after <change> & ${tag}`;

// Before the guests' own afterAll (undefine refuses a domain that still has snapshot metadata).
test.afterAll(() => {
  for (const name of [SECOND, FIRST]) {
    try {
      virshHost1(["snapshot-delete", GUEST.uuid, name, "--metadata"]);
    } catch {
      // already gone
    }
  }
});

const stack = host1GuestsSetup({
  hostName: `snapshots-01 host ${tag}`,
  dirPrefix: "vdtest-snap-",
  guests: [GUEST],
  disks: true,
  xml: (g, disk) => testGuestXml({ ...g, domainType: DOMAIN_TYPE, memoryMiB: 64, disk, displays: [{ type: "vnc" }] }),
});

/** A node of the tree by its snapshot name (quotes and all: a CSS string via JSON's escaping). */
const nodeSel = (name: string) => `[data-testid="snapshot-node"][data-name=${JSON.stringify(name)}]`;

const vmPath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}`;

test("snapshot tree: create two, revert to the first (paused), delete the subtree", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(vmPath());
  const panel = page.getByTestId("vm-snapshots-panel");
  await expect(panel.getByTestId("snapshots-empty")).toBeVisible();

  for (const name of [FIRST, SECOND]) {
    await panel.getByTestId("snapshot-create-open").click();
    const dialog = page.getByTestId("snapshot-create-dialog");
    await dialog.getByTestId("snapshot-name").fill(name);
    await expect(dialog.getByTestId("snapshot-kind-internal")).toBeChecked();
    await dialog.getByTestId("snapshot-create-submit").click();
    await expect(panel.getByTestId("snapshot-task")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
    await expect(panel.locator(nodeSel(name))).toHaveAttribute("data-current", "true");
  }
  const first = panel.locator(nodeSel(FIRST));
  const second = panel.locator(nodeSel(SECOND));
  await expect(second).toHaveAttribute("data-parent", FIRST);
  await expect(first).toHaveAttribute("data-current", "false");
  await expect(first).toContainText("With memory");

  // Revert, after a confirmation, choosing "paused".
  await first.getByTestId("snapshot-revert").click();
  const revert = page.getByTestId("snapshot-revert-dialog");
  await revert.getByTestId("snapshot-after-paused").check();
  await revert.getByTestId("snapshot-revert-dialog-confirm").click();
  await expect(panel.getByTestId("snapshot-task")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(first).toHaveAttribute("data-current", "true");
  expect(virshHost1(["domstate", GUEST.uuid]).trim()).toBe("paused");

  // At phone width the tree fits.
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await page.setViewportSize({ width: 1280, height: 900 });

  // Delete the first with its subtree.
  await first.getByTestId("snapshot-delete").click();
  const del = page.getByTestId("snapshot-delete-dialog");
  await expect(del.getByTestId("snapshot-delete-mode-leaf")).toBeDisabled();
  await expect(del.getByTestId("snapshot-delete-mode-subtree")).toBeChecked();
  await del.getByTestId("snapshot-delete-dialog-confirm").click();
  await expect(panel.getByTestId("snapshot-task")).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(panel.getByTestId("snapshots-empty")).toBeVisible();
  expect(virshHost1(["snapshot-list", GUEST.uuid, "--name"]).trim()).toBe("");
});
