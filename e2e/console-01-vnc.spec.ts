import { spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { testGuestXml } from "../tests/shared/guest-xml";
import { ADMIN } from "./helpers/accounts";
import { HOST1, virshHost1 } from "./helpers/host1";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { loginApi } from "./helpers/session";
import { canvasGrid, expectCanvasShowsGuestScreen, inked } from "./helpers/screen-grid";

// The VNC console page against a real guest: host 1 of the test stack
// (root@127.0.0.1, qemu:///system), a throwaway guest with an empty disk that
// shows SeaBIOS's "No bootable device." on VGA, noVNC in the browser through
// the app's websocket proxy. Access control is console-02's subject; this spec
// is about what the page shows and sends.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";

const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-console-${tag}`, uuid: randomUUID() };

const virsh = virshHost1;

/** 64 MiB, no NIC, one empty qcow2, VGA + VNC on loopback; built as a DOM. */
function guestXml(disk: string): string {
  return testGuestXml({
    ...GUEST,
    domainType: DOMAIN_TYPE,
    memoryMiB: 64,
    currentMemory: true,
    acpi: true,
    disk,
    displays: [{ type: "vnc" }],
  });
}

const stack = host1GuestsSetup({
  hostName: `console-01 host ${tag}`,
  dirPrefix: "vdtest-console-",
  guests: [GUEST],
  disks: true,
  xml: (_g, disk) => guestXml(disk!),
});

const consolePath = () => `/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}/console?kind=vnc`;

async function openConsole(page: Page): Promise<Locator> {
  await loginApi(page.request, ADMIN);
  await page.goto(consolePath());
  const root = page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-kind", "vnc");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  return root;
}

test("shows the guest's BIOS text in the noVNC canvas, matching virsh screenshot", async ({ page }) => {
  await openConsole(page);
  await expect(page.getByTestId("console-status")).toHaveText("Connected");
  // The VM's name heads the window; the toolbar of an interactive VNC session is complete.
  await expect(page.getByTestId("console-vm-link")).toHaveText(GUEST.name);
  for (const id of [
    "console-ctrl-alt-del",
    "console-keys",
    "console-paste",
    "console-scale",
    "console-viewonly",
    "console-screenshot",
    "console-fullscreen",
    "console-reconnect",
  ]) {
    await expect(page.getByTestId(id), id).toBeEnabled();
  }

  // SeaBIOS prints several lines of light text on black at the top left, as libvirt's screenshot shows.
  const canvas = await expectCanvasShowsGuestScreen(page, { uuid: GUEST.uuid, dir: stack.workDir });
  const top = canvas.cells.slice(0, canvas.cols * 6).reduce((n, x) => n + x, 0);
  expect(top, "ink in the first six text rows").toBeGreaterThan(40);
});

test("Ctrl+Alt+Del from the toolbar resets the guest", async ({ page }) => {
  await openConsole(page);
  // libvirt reports a guest reset as a "reboot" event; listen before pressing.
  const watcher = spawn(
    "virsh",
    ["-q", "-c", HOST1.uri, "event", "--domain", GUEST.uuid, "--event", "reboot", "--timeout", "20"],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  watcher.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  const done = new Promise<void>((resolve) => watcher.on("close", () => resolve()));
  try {
    // virsh event needs a moment to subscribe.
    await page.waitForTimeout(1000);
    await page.getByTestId("console-ctrl-alt-del").click();
    await expect.poll(() => out, { timeout: 15_000 }).toContain("reboot");
  } finally {
    watcher.kill();
    await done;
  }
  // SeaBIOS runs again and ends on the same screen; the session survived the reset.
  await expect(page.getByTestId("console-root")).toHaveAttribute("data-status", "connected");
  await expect.poll(async () => inked(await canvasGrid(page)), { timeout: 15_000 }).toBeGreaterThan(40);
});

test("the toolbar's key menu, paste dialog, scaling and screenshot", async ({ page }) => {
  await openConsole(page);

  await page.getByTestId("console-keys").click();
  const menu = page.getByTestId("console-keys-menu");
  await expect(menu.getByRole("menuitem")).toHaveCount(15);
  await expect(menu.getByTestId("console-key-ctrl-alt-f1")).toHaveText("Ctrl+Alt+F1");
  await expect(menu.getByTestId("console-key-ctrl-alt-f12")).toBeVisible();
  await menu.getByTestId("console-key-alt-tab").click();
  await expect(menu).toHaveCount(0);

  await page.getByTestId("console-paste").click();
  const text = page.getByTestId("console-paste-text");
  await expect(text).toBeFocused();
  await expect(text).toHaveAttribute("maxlength", "4096");
  await expect(page.getByTestId("console-paste-send")).toBeDisabled();
  await text.fill("boot");
  await page.getByTestId("console-paste-send").click();
  await expect(page.getByTestId("console-paste-dialog")).not.toBeVisible();
  await expect(page.getByTestId("console-root")).toHaveAttribute("data-status", "connected");

  // Scale to window draws the 720x400 screen larger than itself in this viewport; 1:1 draws it at its size.
  const drawnWidth = () =>
    page.getByTestId("console-canvas").evaluate((el) => el.querySelector("canvas")!.getBoundingClientRect().width);
  const native = await page.getByTestId("console-canvas").evaluate((el) => el.querySelector("canvas")!.width);
  await expect.poll(drawnWidth).toBeGreaterThan(native + 50);
  await page.getByTestId("console-scale").selectOption("native");
  await expect.poll(drawnWidth).toBe(native);
  await page.getByTestId("console-scale").selectOption("scale");
  await expect.poll(drawnWidth).toBeGreaterThan(native + 50);

  // Screenshot downloads the canvas as a PNG at the guest's resolution, named after the VM (once the
  // page has its details: on a busy machine they can come after the console).
  await expect(page.getByTestId("console-vm-link")).toHaveText(GUEST.name, { timeout: 15_000 });
  const download = page.waitForEvent("download");
  await page.getByTestId("console-screenshot").click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(new RegExp(`^${GUEST.name}-.*\\.png$`));
  const png = readFileSync(await file.path());
  expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
  expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([
    native,
    await page.getByTestId("console-canvas").evaluate((el) => el.querySelector("canvas")!.height),
  ]);

  // View only: a toggle of the session, reflected in the status line.
  await page.getByTestId("console-viewonly").click();
  await expect(page.getByTestId("console-viewonly")).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByTestId("console-status")).toHaveText("Connected (view only)");
  await expect(page.getByTestId("console-ctrl-alt-del")).toBeDisabled();
  await page.getByTestId("console-viewonly").click();
  await expect(page.getByTestId("console-status")).toHaveText("Connected");
});

test("a guest that goes away ends the session with the reason; reconnecting works once it runs again", async ({
  page,
}) => {
  const root = await openConsole(page);
  virsh(["destroy", GUEST.uuid]);
  await expect(root).toHaveAttribute("data-status", "disconnected", { timeout: 10_000 });
  await expect(root).toHaveAttribute("data-close-code", "4013");
  await expect(page.getByTestId("console-status")).toHaveText("Disconnected: the guest closed the console");
  await expect(page.getByTestId("console-ended")).toContainText("the guest closed the console");

  // A ticket is refused while the VM is off: said so, in the page's words.
  await page.getByTestId("console-ended-reconnect").click();
  await expect(page.getByTestId("console-status")).toHaveText("This VM is not running. Start it, then try again.");

  virsh(["start", GUEST.uuid]);
  await page.getByTestId("console-ended-reconnect").click();
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
  await expect.poll(async () => inked(await canvasGrid(page)), { timeout: 15_000 }).toBeGreaterThan(40);
  // The page never shows the websocket address or its ticket.
  await expect(page.locator("body")).not.toContainText("ticket");
  await expect(page.locator("body")).not.toContainText("/ws/console");
});
