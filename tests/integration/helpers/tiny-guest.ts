// The tiny real Linux guest built by scripts/stack/tiny-guest.sh (Debian cloud kernel + busybox
// initramfs): its files and its domain XML, shared by the tests that boot it.
import { existsSync } from "node:fs";
import path from "node:path";
import { testGuestXml } from "../../shared/guest-xml";

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
    if (!path.isAbsolute(p) || !existsSync(p))
      throw new Error(`${name}=${p} is not an existing absolute path.\n${hint}`);
  }
  return { kernel, initrd };
}

/**
 * The tiny guest's domain XML, built with a DOM. Domain type qemu (TCG) whatever the host offers:
 * Linux guests hang under this machine's nested KVM (STACK-NOTES.md). 128 MiB, direct kernel boot,
 * no disk, no NIC; VGA + VNC on 127.0.0.1; ttyS0 as a pty serial port that is also the console.
 */
export function tinyGuestXml(o: { name: string; uuid: string; kernel: string; initrd: string }): string {
  return testGuestXml({
    name: o.name,
    uuid: o.uuid,
    domainType: "qemu",
    memoryMiB: 128,
    currentMemory: true,
    kernelBoot: { kernel: o.kernel, initrd: o.initrd },
    acpi: true,
    lifecycle: true,
    serial: true,
    displays: [{ type: "vnc" }],
    noBalloon: true,
  });
}
