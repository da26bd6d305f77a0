import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import net from "node:net";
import { expect, test } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { host1GuestsSetup } from "./helpers/host1-guests";
import { expectCanvasShowsGuestScreen } from "./helpers/screen-grid";
import { testGuestXml } from "../tests/shared/guest-xml";
import { loginApi } from "./helpers/session";

// The SPICE console page against a real guest on host 1: QEMU's SPICE server on 127.0.0.1 (started
// with password auth, so the page only gets in with the per-console password the server sets),
// spice-html5 in the browser through the app's websocket proxy, and the ".vv" download whose ticket
// opens a CONNECT tunnel to the same guest.
//
// FAILED_LOGINS: 0 (signs in with the admin's right password only).
test.describe.configure({ mode: "serial" });

const DOMAIN_TYPE = process.env.VD_TEST_DOMAIN_TYPE ?? "qemu";
const tag = randomBytes(3).toString("hex");
const GUEST = { name: `vdtest-spice-${tag}`, uuid: randomUUID() };

/** 64 MiB, no NIC, an empty qcow2 (SeaBIOS: "No bootable device."), VGA, SPICE on loopback with an expired password. */
function guestXml(disk: string): string {
  return testGuestXml({
    ...GUEST,
    domainType: DOMAIN_TYPE,
    memoryMiB: 64,
    disk,
    displays: [{ type: "spice", passwd: randomBytes(6).toString("hex"), passwdValidTo: "2000-01-01T00:00:00" }],
    noBalloon: true,
  });
}

const stack = host1GuestsSetup({
  hostName: `console-03 host ${tag}`,
  dirPrefix: "vdtest-spice-",
  guests: [GUEST],
  disks: true,
  xml: (_g, disk) => guestXml(disk!),
});

test("draws the guest's screen with spice-html5, matching virsh screenshot", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}/console?kind=spice`);
  const root = page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-kind", "spice");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 30_000 });
  await expect(page.getByTestId("console-download-vv")).toBeEnabled();

  await expectCanvasShowsGuestScreen(page, {
    uuid: GUEST.uuid,
    dir: stack.workDir,
    pick: "largest",
    inkTimeoutMs: 30_000,
  });
});

test("Download .vv gives remote-viewer a file whose ticket opens a CONNECT tunnel to this guest's SPICE server", async ({
  page,
  baseURL,
}) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${encodeURIComponent(stack.hostId)}/${GUEST.uuid}/console?kind=spice`);
  await expect(page.getByTestId("console-root")).toHaveAttribute("data-status", "connected", { timeout: 30_000 });
  const download = page.waitForEvent("download");
  await page.getByTestId("console-download-vv").click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${GUEST.name}.vv`);
  const text = readFileSync(await file.path(), "utf8");
  const fields = Object.fromEntries(
    text
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  const origin = new URL(baseURL!).origin;
  expect(fields).toMatchObject({ type: "spice", proxy: origin });
  expect(fields.password).toMatch(/^[A-Za-z0-9_-]{20}$/);

  // What remote-viewer does first: CONNECT through the app, then the SPICE link; QEMU answers "REDQ".
  const { port, hostname } = new URL(origin);
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(Number(port), hostname);
    let buf = Buffer.alloc(0);
    let linked = false;
    sock.on("error", reject);
    sock.on("data", (d) => {
      buf = Buffer.concat([buf, d]);
      const head = buf.indexOf("\r\n\r\n");
      if (!linked && head >= 0) {
        if (!buf.subarray(0, head).toString("latin1").startsWith("HTTP/1.1 200"))
          return reject(new Error(buf.toString("latin1")));
        linked = true;
        buf = buf.subarray(head + 4);
        const body = Buffer.alloc(18);
        body.writeUInt8(1, 4); // main channel
        body.writeUInt32LE(18, 14);
        const h = Buffer.alloc(16);
        h.write("REDQ", 0, "latin1");
        h.writeUInt32LE(2, 4);
        h.writeUInt32LE(2, 8);
        h.writeUInt32LE(18, 12);
        sock.write(Buffer.concat([h, body]));
      } else if (linked && buf.length >= 4) {
        resolve(buf.subarray(0, 4).toString("latin1"));
        sock.destroy();
      }
    });
    sock.write(`CONNECT ${fields.host}:${fields.port} HTTP/1.0\r\nHost: ${fields.host}:${fields.port}\r\n\r\n`);
  });
  expect(reply).toBe("REDQ");
});
