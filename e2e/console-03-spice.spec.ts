import { randomBytes, randomUUID } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { DOMImplementation, XMLSerializer, type Element as XmlElement } from "@xmldom/xmldom";
import { expect, test, type Page } from "@playwright/test";
import { ADMIN } from "./helpers/accounts";
import { hostOneEnsure, hostOneRelease, virshHost1, type HostOne } from "./helpers/host1";
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
let workDir = "";
let hostId = "";
let host1: HostOne | undefined;
const virsh = virshHost1;

/** 64 MiB, no NIC, an empty qcow2 (SeaBIOS: "No bootable device."), VGA, SPICE on loopback with an expired password. */
function guestXml(disk: string): string {
  const doc = new DOMImplementation().createDocument(null, "domain", null);
  const domain = doc.documentElement!;
  domain.setAttribute("type", DOMAIN_TYPE);
  const el = (parent: XmlElement, tagName: string, attrs: Record<string, string> = {}, text?: string) => {
    const node = doc.createElement(tagName);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.appendChild(doc.createTextNode(text));
    parent.appendChild(node);
    return node;
  };
  el(domain, "name", {}, GUEST.name);
  el(domain, "uuid", {}, GUEST.uuid);
  el(domain, "memory", { unit: "MiB" }, "64");
  el(domain, "vcpu", {}, "1");
  el(el(domain, "os"), "type", { arch: "x86_64" }, "hvm");
  const devices = el(domain, "devices");
  const d = el(devices, "disk", { type: "file", device: "disk" });
  el(d, "driver", { name: "qemu", type: "qcow2" });
  el(d, "source", { file: disk });
  el(d, "target", { dev: "vda", bus: "virtio" });
  const g = el(devices, "graphics", { type: "spice", autoport: "yes", listen: "127.0.0.1", passwd: randomBytes(6).toString("hex"), passwdValidTo: "2000-01-01T00:00:00" });
  el(g, "listen", { type: "address", address: "127.0.0.1" });
  el(el(devices, "video"), "model", { type: "vga" });
  el(devices, "memballoon", { model: "none" });
  return new XMLSerializer().serializeToString(doc);
}

interface Bits {
  width: number;
  height: number;
  bits: string;
}
interface Grid {
  cols: number;
  rows: number;
  cells: number[];
  width: number;
  height: number;
}

/** Which 9x16 character cells of a VGA text screen have ink (robust to colour depth and compression). */
function inkGrid({ width, height, bits }: Bits): Grid {
  const cols = Math.floor(width / 9);
  const rows = Math.floor(height / 16);
  const cells: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      let ink = 0;
      for (let y = r * 16; y < r * 16 + 16 && !ink; y++) if (bits.slice(y * width + c * 9, y * width + c * 9 + 9).includes("1")) ink = 1;
      cells.push(ink);
    }
  }
  return { cols, rows, cells, width, height };
}
const inked = (g: Grid) => g.cells.reduce((n, x) => n + x, 0);

/** spice-html5's primary surface canvas, at the guest's resolution. */
async function canvasGrid(page: Page): Promise<Grid> {
  const bits = await page.getByTestId("console-canvas").evaluate((el): Bits => {
    const canvas = [...el.querySelectorAll("canvas")].sort((a, b) => b.width * b.height - a.width * a.height)[0];
    if (!canvas || canvas.width === 0) return { width: 0, height: 0, bits: "" };
    const d = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
    let bits = "";
    for (let i = 0; i < d.length; i += 4) bits += d[i] + d[i + 1] + d[i + 2] > 384 ? "1" : "0";
    return { width: canvas.width, height: canvas.height, bits };
  });
  return inkGrid(bits);
}

async function virshGrid(page: Page): Promise<Grid> {
  const file = path.join(workDir, `screen-${Date.now()}.png`);
  virsh(["screenshot", GUEST.uuid, file]);
  const b64 = readFileSync(file).toString("base64");
  const bits = await page.evaluate(async (b64): Promise<Bits> => {
    const bitmap = await createImageBitmap(new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))]));
    const c = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = c.getContext("2d")!;
    ctx.drawImage(bitmap, 0, 0);
    const d = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let bits = "";
    for (let i = 0; i < d.length; i += 4) bits += d[i] + d[i + 1] + d[i + 2] > 384 ? "1" : "0";
    return { width: bitmap.width, height: bitmap.height, bits };
  }, b64);
  return inkGrid(bits);
}

test.beforeAll(async ({ browser }) => {
  host1 = await hostOneEnsure(browser, `console-03 host ${tag}`);
  hostId = host1.hostId;
  mkdirSync("/var/lib/libvirt/images", { recursive: true });
  workDir = mkdtempSync(path.join("/var/lib/libvirt/images", "vdtest-spice-"));
  chmodSync(workDir, 0o755);
  const disk = path.join(workDir, "disk.qcow2");
  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", disk, "16M"], { stdio: ["ignore", "pipe", "pipe"] });
  const xmlFile = path.join(workDir, "domain.xml");
  writeFileSync(xmlFile, guestXml(disk));
  virsh(["define", xmlFile]);
  virsh(["start", GUEST.uuid]);
});

test.afterAll(async ({ browser }) => {
  for (const cmd of ["destroy", "undefine"]) {
    try {
      virsh([cmd, GUEST.uuid]);
    } catch {
      // not running / not defined
    }
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  await hostOneRelease(browser, host1);
});

test("draws the guest's screen with spice-html5, matching virsh screenshot", async ({ page }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${encodeURIComponent(hostId)}/${GUEST.uuid}/console?kind=spice`);
  const root = page.getByTestId("console-root");
  await expect(root).toHaveAttribute("data-kind", "spice");
  await expect(root).toHaveAttribute("data-status", "connected", { timeout: 30_000 });
  await expect(page.getByTestId("console-download-vv")).toBeEnabled();

  let canvas = await canvasGrid(page);
  await expect
    .poll(async () => {
      canvas = await canvasGrid(page);
      return inked(canvas);
    }, { timeout: 30_000 })
    .toBeGreaterThan(40);
  expect(inked(canvas), "the screen is mostly black").toBeLessThan(canvas.cells.length / 4);
  // The same picture as libvirt's own screenshot: same size, the same cells inked (a blinking cursor
  // aside). Both are sampled again until they agree: on a slow machine SeaBIOS may still be printing.
  let reference = await virshGrid(page);
  expect({ width: canvas.width, height: canvas.height }).toEqual({ width: reference.width, height: reference.height });
  await expect
    .poll(async () => {
      [canvas, reference] = [await canvasGrid(page), await virshGrid(page)];
      return canvas.cells.filter((x, i) => x !== reference.cells[i]).length;
    }, { timeout: 20_000, message: "cells differing between the canvas and virsh screenshot" })
    .toBeLessThanOrEqual(3);
  expect(inked(reference)).toBeGreaterThan(40);
});

test("Download .vv gives remote-viewer a file whose ticket opens a CONNECT tunnel to this guest's SPICE server", async ({ page, baseURL }) => {
  await loginApi(page.request, ADMIN);
  await page.goto(`/vms/${encodeURIComponent(hostId)}/${GUEST.uuid}/console?kind=spice`);
  await expect(page.getByTestId("console-root")).toHaveAttribute("data-status", "connected", { timeout: 30_000 });
  const download = page.waitForEvent("download");
  await page.getByTestId("console-download-vv").click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${GUEST.name}.vv`);
  const text = readFileSync(await file.path(), "utf8");
  const fields = Object.fromEntries(text.trim().split("\n").slice(1).map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
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
        if (!buf.subarray(0, head).toString("latin1").startsWith("HTTP/1.1 200")) return reject(new Error(buf.toString("latin1")));
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
