import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { tinyGuestFiles, tinyGuestXml } from "../tests/integration/helpers/tiny-guest";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
import { loginApi } from "./helpers/session";

// The serial console page (xterm.js) against a real Linux guest: the tiny guest
// of scripts/stack/tiny-guest.sh (kernel + busybox initramfs, TCG) on host 1
// (root@127.0.0.1, qemu:///system). The guest starts paused and runs only once
// the page's console is attached: a pty serial port drops what the guest writes
// while nobody reads it. The page must show the boot banner, run what is typed
// into the terminal, and say so when the guest goes away.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-e2e-serial-${tag}`, uuid: randomUUID() };
/** The whole line /init prints on ttyS0 once the kernel has booted. */
const BANNER = /^VIRTDECK-TINY-GUEST READY (\S+)$/m;
/** busybox ash's prompt in / (PS1="tiny:\w# "), alone on the last line (screen() trims the blank after it). */
const PROMPT = /^tiny:\/#$/m;
let hostId = "";
let host1: HostOne | undefined;

const virsh = virshHost1;

/**
 * What the terminal shows, one line per row. xterm.js 6 draws with its DOM
 * renderer here (no WebGL addon is loaded): one <div> per visible row in
 * .xterm-rows. Non-breaking spaces become spaces, trailing blanks go.
 */
async function screen(page: Page): Promise<string> {
  return page
    .getByTestId("console-terminal")
    .locator(".xterm-rows")
    .evaluate((rows) =>
      [...rows.children].map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()).join("\n"),
    );
}

test.beforeAll(async ({ browser }) => {
  const files = tinyGuestFiles();
  host1 = await hostOneEnsure(browser, `console-02 host ${tag}`);
  hostId = host1.hostId;

  // virsh reads the file on this machine (the kernel and initrd are paths on the host, which is this machine too).
  const dir = mkdtempSync(path.join(tmpdir(), "vdtest-e2e-serial-"));
  try {
    const xmlFile = path.join(dir, "domain.xml");
    writeFileSync(xmlFile, tinyGuestXml({ name: GUEST.name, uuid: GUEST.uuid, ...files }));
    virsh(["define", xmlFile]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  virsh(["start", GUEST.uuid, "--paused"]);
});

test.afterAll(async ({ browser }) => {
  try {
    virsh(["destroy", GUEST.uuid]);
  } catch {
    // not running
  }
  try {
    virsh(["undefine", GUEST.uuid]);
  } catch {
    // never defined
  }
  await hostOneRelease(browser, host1);
});

test("the serial console shows the guest booting, runs what is typed and says when the guest goes away", async ({
  page,
}) => {
  const root = page.getByTestId("console-root");

  await test.step("open the serial console of the paused guest", async () => {
    await loginApi(page.request, ADMIN);
    await page.goto(`/vms/${encodeURIComponent(hostId)}/${GUEST.uuid}/console?kind=serial`);
    await expect(root).toHaveAttribute("data-kind", "serial");
    await expect(root).toHaveAttribute("data-status", "connected", { timeout: 20_000 });
    await expect(page.getByTestId("console-status")).toHaveText("Connected");
    await expect(page.getByTestId("console-vm-link")).toHaveText(GUEST.name);
    // The websocket opens before the server has started `virsh console` on the host; it
    // audits console.open once that SSH channel is open. Only then may the guest run (virsh
    // attaching to the pty takes a moment more, well within the kernel's boot before the banner).
    const target = `${hostId}/${GUEST.uuid}`;
    await expect
      .poll(
        async () => {
          const res = await page.request.get("/api/audit?action=console.open&outcome=success&limit=20");
          expect(res.status(), await res.text()).toBe(200);
          const { events } = (await res.json()) as { events: { targetId: string; details: { kind?: string } }[] };
          return events.some((e) => e.targetId === target && e.details?.kind === "serial");
        },
        { timeout: 10_000, message: "console.open audited for the serial console" },
      )
      .toBe(true);
    virsh(["resume", GUEST.uuid]);
  });

  await test.step("the boot banner and a shell prompt appear in the terminal", async () => {
    let text = "";
    await expect
      .poll(async () => (text = await screen(page)), {
        timeout: 30_000,
        message: "the tiny guest's banner on the serial console",
      })
      .toMatch(BANNER);
    expect(BANNER.exec(text)![1]).toMatch(/^\d+\.\d+\.\d+/);
    await expect
      .poll(() => screen(page), { timeout: 15_000, message: "a shell prompt after the banner" })
      .toMatch(PROMPT);
  });

  await test.step("typing into the terminal runs a command in the guest", async () => {
    await page.getByTestId("console-terminal").click();
    // The result is not in the command line itself: only the guest's shell can print it.
    await page.keyboard.type("echo hello-$((6*7))");
    await page.keyboard.press("Enter");
    await expect
      .poll(() => screen(page), { timeout: 10_000, message: "the command's output on its own line" })
      .toMatch(/^tiny:[^\n]*# echo hello-\$\(\(6\*7\)\)\n+hello-42$/m);
  });

  await test.step("destroying the guest ends the session: the guest closed the console", async () => {
    virsh(["destroy", GUEST.uuid]);
    await expect(root).toHaveAttribute("data-status", "disconnected", { timeout: 10_000 });
    await expect(root).toHaveAttribute("data-close-code", "4013");
    await expect(page.getByTestId("console-status")).toHaveText("Disconnected: the guest closed the console");
    await expect(page.getByTestId("console-ended")).toContainText("the guest closed the console");
    // What the guest printed stays readable behind the notice.
    expect(await screen(page)).toMatch(/^hello-42$/m);
  });
});
