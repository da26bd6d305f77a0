// The tiny real Linux guest built by scripts/stack/tiny-guest.sh (Debian cloud kernel + busybox
// initramfs): its files and its domain XML, shared by the tests that boot it.
import { existsSync } from "node:fs";
import path from "node:path";
import { DOMImplementation, XMLSerializer, type Element as XmlElement } from "@xmldom/xmldom";

/** Banner /init prints on tty0 and ttyS0; match whole lines, output arrives in chunks. */
export const TINY_BANNER = /VIRTDECK-TINY-GUEST READY (\S+)[\r\n]/;

export /** Kernel and initrd that scripts/stack/up.sh built (scripts/stack/tiny-guest.sh) and exported. */
function tinyGuestFiles(): { kernel: string; initrd: string } {
  const kernel = process.env.VD_TEST_TINY_KERNEL;
  const initrd = process.env.VD_TEST_TINY_INITRD;
  const hint =
    "scripts/stack/up.sh builds the tiny guest (scripts/stack/tiny-guest.sh) and exports it; run\n" +
    "  bash scripts/stack/up.sh && source .stack/env\n(or everything with `npm test`).";
  if (!kernel || !initrd) {
    throw new Error(`VD_TEST_TINY_KERNEL and VD_TEST_TINY_INITRD must be set (absolute paths).\n${hint}`);
  }
  for (const [name, p] of [
    ["VD_TEST_TINY_KERNEL", kernel],
    ["VD_TEST_TINY_INITRD", initrd],
  ] as const) {
    if (!path.isAbsolute(p) || !existsSync(p)) throw new Error(`${name}=${p} is not an existing absolute path.\n${hint}`);
  }
  return { kernel, initrd };
}

/**
 * The tiny guest's domain XML, built with a DOM. Domain type qemu (TCG) whatever the host offers:
 * Linux guests hang under this machine's nested KVM (STACK-NOTES.md). 128 MiB, direct kernel boot,
 * no disk, no NIC; VGA + VNC on 127.0.0.1; ttyS0 as a pty serial port that is also the console.
 */
export function tinyGuestXml(o: { name: string; uuid: string; kernel: string; initrd: string }): string {
  const doc = new DOMImplementation().createDocument(null, "domain", null);
  const domain = doc.documentElement!;
  domain.setAttribute("type", "qemu");
  const el = (parent: XmlElement, tag: string, attrs: Record<string, string> = {}, text?: string) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.appendChild(doc.createTextNode(text));
    parent.appendChild(node);
    return node;
  };
  el(domain, "name", {}, o.name);
  el(domain, "uuid", {}, o.uuid);
  el(domain, "memory", { unit: "MiB" }, "128");
  el(domain, "currentMemory", { unit: "MiB" }, "128");
  el(domain, "vcpu", {}, "1");
  const os = el(domain, "os");
  el(os, "type", { arch: "x86_64" }, "hvm");
  el(os, "kernel", {}, o.kernel);
  el(os, "initrd", {}, o.initrd);
  el(os, "cmdline", {}, "console=tty0 console=ttyS0");
  el(el(domain, "features"), "acpi");
  el(domain, "on_poweroff", {}, "destroy");
  el(domain, "on_reboot", {}, "restart");
  el(domain, "on_crash", {}, "destroy");
  const devices = el(domain, "devices");
  el(el(devices, "serial", { type: "pty" }), "target", { port: "0" });
  el(el(devices, "console", { type: "pty" }), "target", { type: "serial", port: "0" });
  const graphics = el(devices, "graphics", { type: "vnc", autoport: "yes", listen: "127.0.0.1" });
  el(graphics, "listen", { type: "address", address: "127.0.0.1" });
  el(el(devices, "video"), "model", { type: "vga" });
  el(devices, "memballoon", { model: "none" });
  return new XMLSerializer().serializeToString(doc);
}

