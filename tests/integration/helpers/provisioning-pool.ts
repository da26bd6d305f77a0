import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * A libvirt dir pool of the test's own on host 1 (qemu:///system, same machine), holding a
 * bootable base disk image (GRUB's rescue USB image from grub-rescue-pc, converted to qcow2)
 * and GRUB's rescue CD as an ISO. Domains and volumes carry the test's prefix; cleanup removes
 * only those.
 */
export const GRUB_USB_IMG = "/usr/lib/grub-rescue/grub-rescue-usb.img";
export const GRUB_CD_ISO = "/usr/lib/grub-rescue/grub-rescue-cdrom.iso";
const URI = "qemu:///system";

export function virshLocal(...args: string[]): string {
  return execFileSync("virsh", ["-q", "-c", URI, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

export function virshLocalTry(...args: string[]): { ok: boolean; out: string } {
  try {
    return { ok: true, out: virshLocal(...args) };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

export interface TestPool {
  name: string;
  dir: string;
  baseVolume: string;
  isoVolume: string;
  cleanup(): void;
}

/** Domains whose names start with prefix, as "name uuid" pairs. */
export function domainsWithPrefix(prefix: string): { name: string; uuid: string }[] {
  return virshLocal("list", "--all", "--name")
    .split("\n")
    .map((s) => s.trim())
    .filter((n) => n.startsWith(prefix))
    .map((name) => ({ name, uuid: virshLocal("domuuid", name).trim() }));
}

export function domainsRemove(prefix: string): void {
  for (const d of domainsWithPrefix(prefix)) {
    virshLocalTry("destroy", d.uuid);
    virshLocalTry("undefine", d.uuid, "--nvram");
    virshLocalTry("undefine", d.uuid);
  }
}

/**
 * Writes a test pool's two images into `dir`: GRUB's rescue USB image converted to qcow2 as
 * `<prefix>base.qcow2` (a bootable disk) and GRUB's rescue CD as `<prefix>grub.iso`.
 */
export function grubImagesWrite(dir: string, prefix: string): { base: string; iso: string } {
  const base = path.join(dir, `${prefix}base.qcow2`);
  const iso = path.join(dir, `${prefix}grub.iso`);
  execFileSync("qemu-img", ["convert", "-q", "-f", "raw", "-O", "qcow2", GRUB_USB_IMG, base]);
  copyFileSync(GRUB_CD_ISO, iso);
  return { base, iso };
}

export function testPoolCreate(prefix: string): TestPool {
  for (const f of [GRUB_USB_IMG, GRUB_CD_ISO])
    if (!existsSync(f)) throw new Error(`${f} is missing: apt-get install grub-rescue-pc`);
  const name = `${prefix}pool`;
  const dir = path.join("/var/lib/virtdeck-test", name);
  domainsRemove(prefix);
  virshLocalTry("pool-destroy", name);
  virshLocalTry("pool-undefine", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  grubImagesWrite(dir, prefix);
  virshLocal("pool-define-as", name, "dir", "--target", dir);
  virshLocal("pool-start", name);
  virshLocal("pool-refresh", name);
  return {
    name,
    dir,
    baseVolume: `${prefix}base.qcow2`,
    isoVolume: `${prefix}grub.iso`,
    cleanup() {
      domainsRemove(prefix);
      virshLocalTry("pool-destroy", name);
      virshLocalTry("pool-undefine", name);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function domstate(uuid: string): string {
  return virshLocal("domstate", uuid).trim();
}

/** Removes a libvirt network of host 1, ignoring "not running" and "not defined". */
export function networkRemove(name: string): void {
  virshLocalTry("net-destroy", name);
  virshLocalTry("net-undefine", name);
}

/**
 * Defines and starts a libvirt network on host 1 with no <ip> and no <forward>: an isolated bridge
 * without addresses or DHCP, for NICs that must never reach anything. Replaces a leftover of the
 * same name.
 */
export function isolatedNetworkCreate(name: string, bridge: string): void {
  networkRemove(name);
  const xml = `/tmp/${name}.xml`;
  writeFileSync(xml, `<network><name>${name}</name><bridge name='${bridge}' stp='off'/></network>`);
  virshLocal("net-define", xml);
  virshLocal("net-start", name);
}
