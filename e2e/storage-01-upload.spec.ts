import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { loginApi } from "./helpers/session";

// Storage page against host 1: a throwaway dir pool with its capacity bar, an ISO uploaded from
// the browser with a visible progress bar, then found byte for byte in the pool, in the ISO
// library and as a succeeded task in the top bar's task panel.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const ISO = "/usr/lib/grub-rescue/grub-rescue-cdrom.iso";
const TAG = `vde2estor${randomBytes(3).toString("hex")}`;
const POOL = `${TAG}-pool`;
const DIR = `/var/tmp/${TAG}`;
const NAME = `${TAG}-grub.iso`;
let host1: HostOne | undefined;

test.beforeAll(async ({ browser }) => {
  mkdirSync(DIR, { recursive: true });
  virshHost1(["pool-create-as", POOL, "dir", "--target", DIR]);
  host1 = await hostOneEnsure(browser, `e2e-storage-${TAG}`);
});

test.afterAll(async ({ browser }) => {
  try {
    virshHost1(["pool-destroy", POOL]);
  } catch {}
  rmSync(DIR, { recursive: true, force: true });
  await hostOneRelease(browser, host1);
});

test("upload an ISO from the browser with a progress bar; it lands in the pool and the ISO library", async ({
  page,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto("/storage");
  await page.getByTestId("storage-host").selectOption(host1!.hostId);
  const poolRow = page.locator(`[data-testid="pool-row"][data-pool="${POOL}"]`);
  await expect(poolRow).toBeVisible();
  await expect(poolRow.getByTestId("pool-capacity")).toHaveAttribute("aria-valuenow", /\d+/);

  await page.getByTestId("upload-open").click();
  const dialog = page.getByTestId("upload-dialog");
  await dialog.getByTestId("upload-file").setInputFiles(ISO);
  await dialog.getByTestId("upload-pool").selectOption(POOL);
  await dialog.getByTestId("upload-name").fill(NAME);
  await expect(dialog.getByTestId("upload-format")).toHaveValue("iso");
  await dialog.getByTestId("upload-submit").click();

  const bar = dialog.getByTestId("upload-progress");
  await expect(bar).toBeVisible();
  await expect(bar).toHaveAttribute("data-status", "succeeded", { timeout: 60_000 });
  await expect(bar).toHaveAttribute("aria-valuenow", "100");
  await expect(dialog.getByTestId("upload-progress-text")).toContainText(NAME);
  expect(
    createHash("sha256")
      .update(readFileSync(`${DIR}/${NAME}`))
      .digest("hex"),
  ).toBe(createHash("sha256").update(readFileSync(ISO)).digest("hex"));

  await dialog.getByTestId("upload-close").click();
  await expect(page.locator(`[data-testid="iso-row"][data-iso="${NAME}"]`)).toBeVisible();

  await page.getByTestId("task-drawer-open").click();
  const row = page
    .getByTestId("task-drawer")
    .locator('[data-testid="task-row"][data-task-kind="storage.upload"]')
    .filter({ hasText: NAME });
  await expect(row).toHaveAttribute("data-status", "succeeded");
  await expect(row.getByTestId("task-progress")).toHaveAttribute("aria-valuenow", "100");
});
