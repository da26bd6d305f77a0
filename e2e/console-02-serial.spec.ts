import { execFileSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { tinyGuestFiles, tinyGuestXml } from "../tests/integration/helpers/tiny-guest";
import { ADMIN } from "./helpers/accounts";
import { api, loginApi, signedInContext } from "./helpers/session";

// The serial console page (xterm.js) against a real Linux guest: the tiny guest
// of scripts/stack/tiny-guest.sh (kernel + busybox initramfs, TCG) on host 1
// (root@127.0.0.1, qemu:///system). The guest starts paused and runs only once
// the page's console is attached: a pty serial port drops what the guest writes
// while nobody reads it. The page must show the boot banner, run what is typed
// into the terminal, and say so when the guest goes away.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

function stack(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: source .stack/env (bash scripts/stack/up.sh) first`);
  return v;
}

const HOST = {
  address: stack("VD_TEST_SSH_HOST"),
  port: Number(stack("VD_TEST_SSH_PORT")),
  user: stack("VD_TEST_SSH_USER"),
  uri: stack("VD_TEST_LIBVIRT_URI"),
  keyFile: stack("VD_TEST_SSH_KEY"),
  fingerprint: stack("VD_TEST_SSH_HOSTKEY_SHA256"),
};

const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-e2e-serial-${tag}`, uuid: randomUUID() };
/** The whole line /init prints on ttyS0 once the kernel has booted. */
const BANNER = /^VIRTDECK-TINY-GUEST READY (\S+)$/m;
/** busybox ash's prompt in / (PS1="tiny:\w# "), alone on the last line (screen() trims the blank after it). */
const PROMPT = /^tiny:\/#$/m;
let hostId = "";
/** Set when this spec added the host (fleet-01 removes its own), so afterAll removes it again. */
let addedHost = false;

/** virsh on this machine against host 1's libvirt (the one the app reaches over SSH). argv only. */
function virsh(args: string[]): string {
  try {
    return execFileSync("virsh", ["-q", "-c", HOST.uri, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C.UTF-8" } });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`virsh ${args.join(" ")} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/**
 * What the terminal shows, one line per row. xterm.js 6 draws with its DOM
 * renderer here (no WebGL addon is loaded): one <div> per visible row in
 * .xterm-rows. Non-breaking spaces become spaces, trailing blanks go.
 */
async function screen(page: Page): Promise<string> {
  return page
    .getByTestId("console-terminal")
    .locator(".xterm-rows")
    .evaluate((rows) => [...rows.children].map((r) => (r.textContent ?? "").replace(/\u00a0/g, " ").trimEnd()).join("\n"));
}

test.beforeAll(async ({ browser }) => {
  const files = tinyGuestFiles();
  const admin = await signedInContext(browser, ADMIN);
  const hosts = (await (await admin.api.get("/api/hosts")).json()) as { hosts: { id: string; address: string; port: number; status: string }[] };
  const existing = hosts.hosts.find((h) => h.address === HOST.address && h.port === HOST.port && h.status === "online");
  if (existing) hostId = existing.id;
  else {
    const res = await admin.api.post("/api/hosts", {
      name: `console-02 host ${tag}`,
      address: HOST.address,
      port: HOST.port,
      username: HOST.user,
      libvirtUri: HOST.uri,
      key: { kind: "paste", privateKey: readFileSync(HOST.keyFile, "utf8") },
    });
    expect(res.status(), await res.text()).toBe(201);
    hostId = ((await res.json()) as { host: { id: string } }).host.id;
    addedHost = true;
    const probe = await admin.api.post(`/api/hosts/${hostId}/test`);
    expect(probe.status(), await probe.text()).toBe(200);
    const pin = await admin.api.post(`/api/hosts/${hostId}/confirm-key`, { fingerprint: HOST.fingerprint });
    expect(pin.status(), await pin.text()).toBe(200);
  }
  await admin.context.close();

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
  if (addedHost && hostId) {
    const admin = await signedInContext(browser, ADMIN);
    const res = await (await api(admin.page.request)).delete(`/api/hosts/${hostId}`);
    expect(res.status(), await res.text()).toBe(200);
    await admin.context.close();
  }
});

test("the serial console shows the guest booting, runs what is typed and says when the guest goes away", async ({ page }) => {
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
      .poll(async () => {
        const res = await page.request.get("/api/audit?action=console.open&outcome=success&limit=20");
        expect(res.status(), await res.text()).toBe(200);
        const { events } = (await res.json()) as { events: { targetId: string; details: { kind?: string } }[] };
        return events.some((e) => e.targetId === target && e.details?.kind === "serial");
      }, { timeout: 10_000, message: "console.open audited for the serial console" })
      .toBe(true);
    virsh(["resume", GUEST.uuid]);
  });

  await test.step("the boot banner and a shell prompt appear in the terminal", async () => {
    let text = "";
    await expect
      .poll(async () => (text = await screen(page)), { timeout: 30_000, message: "the tiny guest's banner on the serial console" })
      .toMatch(BANNER);
    expect(BANNER.exec(text)![1]).toMatch(/^\d+\.\d+\.\d+/);
    await expect.poll(() => screen(page), { timeout: 15_000, message: "a shell prompt after the banner" }).toMatch(PROMPT);
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
