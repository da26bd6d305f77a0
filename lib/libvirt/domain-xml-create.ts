import "server-only";
import { randomBytes } from "node:crypto";
import type { Element } from "@xmldom/xmldom";
import { xmlAppend, xmlNewDocument, xmlSerialize } from "./xml-build";

/*
 * New domain XML for VMs virtdeck creates. Element reference: https://libvirt.org/formatdomain.html
 * Graphics always listen on 127.0.0.1 only: consoles reach them through the host's SSH connection.
 */

export const VIRTDECK_XMLNS = "https://virtdeck.dev/xmlns/domain/1";
export const LIBOSINFO_XMLNS = "http://libosinfo.org/xmlns/libvirt/domain/1.0";

export type DiskBus = "virtio" | "sata" | "scsi" | "ide";

export interface DomainDiskCreate {
  device: "disk" | "cdrom";
  /** Host path of the image; empty cdrom when undefined. */
  path?: string;
  format: "qcow2" | "raw";
  bus: DiskBus;
  /** libvirt cache mode; "default" leaves it to the hypervisor. */
  cache?: string;
  readonly?: boolean;
  /** A qcow2 overlay's backing chain, top first, each image with its declared format (a linked clone). */
  backing?: DiskBacking[];
}

export interface DiskBacking {
  path: string;
  format: "qcow2" | "raw";
}

export interface DomainNicCreate {
  kind: "network" | "bridge";
  source: string;
  model: "virtio" | "e1000";
  /** Empty or undefined: libvirt generates one. */
  mac?: string;
}

export interface DomainCreateSpec {
  name: string;
  uuid: string;
  title?: string;
  description?: string;
  domainType: "kvm" | "qemu";
  arch?: string;
  machine?: string;
  /** libosinfo id URL (http://debian.org/debian/12), recorded in the libosinfo metadata. */
  osinfoId?: string;
  vcpus: number;
  memoryMiB: number;
  maxMemoryMiB: number;
  cpuMode: "host-passthrough" | "host-model" | "custom";
  cpuModel?: string;
  firmware: "bios" | "uefi";
  disks: DomainDiskCreate[];
  nics: DomainNicCreate[];
  graphics: "vnc" | "spice" | "none";
  /**
   * Start the display with password authentication and an already expired random password, so
   * nobody can log in until the console service sets a fresh per-console password (SPICE always;
   * VNC when per-console VNC passwords are on). Without it QEMU refuses later passwords.
   */
  graphicsPasswordLocked?: boolean;
  serialConsole: boolean;
  boot: ("hd" | "cdrom" | "network")[];
  bootMenu?: boolean;
}

const TARGET_PREFIX: Record<DiskBus, string> = { virtio: "vd", sata: "sd", scsi: "sd", ide: "hd" };

/** Device name suffix for index n: a..z, aa..az, ... (libvirt's virDiskNameToIndex order). */
export function diskSuffix(n: number): string {
  let s = "";
  let i = n;
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

/** The first target dev of a bus not in `used` (vda, vdb, ... / sda ... / hda ...). */
export function diskTargetNext(bus: DiskBus, used: Iterable<string>): string {
  const taken = new Set(used);
  for (let i = 0; ; i++) {
    const dev = TARGET_PREFIX[bus] + diskSuffix(i);
    if (!taken.has(dev)) return dev;
  }
}

/** cdroms go on SATA for q35 machines (no IDE controller there), IDE otherwise. */
export function cdromBusFor(machine: string | undefined): DiskBus {
  return machine && /q35/.test(machine) ? "sata" : "ide";
}

/** Appends one <disk> to devices; returns its target dev. */
export function diskElementAppend(devices: Element, disk: DomainDiskCreate, target: string): Element {
  const el = xmlAppend(devices, "disk", { type: "file", device: disk.device });
  xmlAppend(el, "driver", {
    name: "qemu",
    type: disk.device === "cdrom" ? "raw" : disk.format,
    cache: disk.cache && disk.cache !== "default" ? disk.cache : undefined,
  });
  if (disk.path) xmlAppend(el, "source", { file: disk.path });
  if (disk.backing?.length) diskBackingStoreAppend(el, disk.backing);
  xmlAppend(el, "target", { dev: target, bus: disk.bus });
  if (disk.readonly || disk.device === "cdrom") xmlAppend(el, "readonly");
  return el;
}

/**
 * The overlay's backing chain spelled out: each backing image with its declared format, and an
 * empty <backingStore/> that ends the chain. libvirt then uses this chain instead of the one it
 * would read from the overlay's header and probe from the backing images' bytes.
 * https://libvirt.org/formatdomain.html#hard-drives-floppy-disks-cdroms (backingStore)
 */
export function diskBackingStoreAppend(disk: Element, chain: readonly DiskBacking[]): void {
  let parent = disk;
  for (const link of chain) {
    parent = xmlAppend(parent, "backingStore", { type: "file" });
    xmlAppend(parent, "format", { type: link.format });
    xmlAppend(parent, "source", { file: link.path });
  }
  xmlAppend(parent, "backingStore");
}

export function nicElementAppend(devices: Element, nic: DomainNicCreate): Element {
  const el = xmlAppend(devices, "interface", { type: nic.kind });
  if (nic.mac) xmlAppend(el, "mac", { address: nic.mac });
  xmlAppend(el, "source", nic.kind === "network" ? { network: nic.source } : { bridge: nic.source });
  xmlAppend(el, "model", { type: nic.model });
  return el;
}

/** Long past: QEMU treats the password as expired from the start (libvirt passes it as expire_password). */
export const LOCKED_PASSWORD_VALID_TO = "1970-01-01T00:00:01";

/** A loopback-only graphics element (and its <listen>), optionally locked by an expired password. */
export function graphicsElementAppend(
  devices: Element,
  type: "vnc" | "spice",
  opts: { passwordLocked?: boolean } = {},
): Element {
  const attrs: Record<string, string> = { type, autoport: "yes", listen: "127.0.0.1" };
  if (opts.passwordLocked) {
    // VNC uses at most 8 characters of it.
    attrs.passwd = randomBytes(12)
      .toString("base64url")
      .slice(0, type === "vnc" ? 8 : 16);
    attrs.passwdValidTo = LOCKED_PASSWORD_VALID_TO;
  }
  const g = xmlAppend(devices, "graphics", attrs);
  xmlAppend(g, "listen", { type: "address", address: "127.0.0.1" });
  return g;
}

/** Domain XML for a new VM. */
export function domainCreateXml(spec: DomainCreateSpec): string {
  const { root: domain } = xmlNewDocument("domain");
  domain.setAttribute("type", spec.domainType);
  xmlAppend(domain, "name", {}, spec.name);
  xmlAppend(domain, "uuid", {}, spec.uuid);
  if (spec.title) xmlAppend(domain, "title", {}, spec.title);
  if (spec.description) xmlAppend(domain, "description", {}, spec.description);
  if (spec.osinfoId) {
    const meta = xmlAppend(domain, "metadata");
    const info = xmlAppend(meta, "libosinfo:libosinfo", { "xmlns:libosinfo": LIBOSINFO_XMLNS });
    xmlAppend(info, "libosinfo:os", { id: spec.osinfoId });
  }
  xmlAppend(domain, "memory", { unit: "MiB" }, spec.maxMemoryMiB);
  xmlAppend(domain, "currentMemory", { unit: "MiB" }, spec.memoryMiB);
  xmlAppend(domain, "vcpu", { placement: "static" }, spec.vcpus);

  const os = xmlAppend(domain, "os", spec.firmware === "uefi" ? { firmware: "efi" } : {});
  xmlAppend(os, "type", { arch: spec.arch ?? "x86_64", machine: spec.machine || undefined }, "hvm");
  for (const dev of spec.boot) xmlAppend(os, "boot", { dev });
  if (spec.bootMenu) xmlAppend(os, "bootmenu", { enable: "yes", timeout: 3000 });

  const features = xmlAppend(domain, "features");
  xmlAppend(features, "acpi");
  xmlAppend(features, "apic");

  // TCG cannot pass the host CPU through; QEMU's default model is the honest choice there.
  if (spec.cpuMode === "custom" && spec.cpuModel) {
    const cpu = xmlAppend(domain, "cpu", { mode: "custom", match: "exact", check: "none" });
    xmlAppend(cpu, "model", { fallback: "allow" }, spec.cpuModel);
  } else if (spec.cpuMode === "host-passthrough" && spec.domainType === "kvm") {
    xmlAppend(domain, "cpu", { mode: "host-passthrough", check: "none" });
  } else if (spec.cpuMode === "host-model") {
    xmlAppend(domain, "cpu", { mode: "host-model", check: "partial" });
  }

  xmlAppend(domain, "clock", { offset: "utc" });
  xmlAppend(domain, "on_poweroff", {}, "destroy");
  xmlAppend(domain, "on_reboot", {}, "restart");
  xmlAppend(domain, "on_crash", {}, "destroy");

  const devices = xmlAppend(domain, "devices");
  const used: string[] = [];
  for (const disk of spec.disks) {
    const target = diskTargetNext(disk.bus, used);
    used.push(target);
    diskElementAppend(devices, disk, target);
  }
  for (const nic of spec.nics) nicElementAppend(devices, nic);
  if (spec.serialConsole) {
    xmlAppend(xmlAppend(devices, "serial", { type: "pty" }), "target", { port: 0 });
    xmlAppend(xmlAppend(devices, "console", { type: "pty" }), "target", { type: "serial", port: 0 });
  }
  if (spec.graphics !== "none") {
    xmlAppend(devices, "input", { type: "tablet", bus: "usb" });
    graphicsElementAppend(devices, spec.graphics, { passwordLocked: spec.graphicsPasswordLocked });
    xmlAppend(xmlAppend(devices, "video"), "model", { type: spec.graphics === "spice" ? "qxl" : "vga" });
  }
  xmlAppend(devices, "memballoon", { model: "virtio" });
  return xmlSerialize(domain);
}
