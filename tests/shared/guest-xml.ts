// Domain XML for the throwaway guests that integration tests, e2e specs and benches define on the
// test stack's libvirts, built with a DOM (never by concatenating strings). The product's own
// builder (lib/libvirt/domain-xml-create.ts) adds CPU, firmware and metadata these guests avoid.
import { DOMImplementation, XMLSerializer, type Element as XmlElement } from "@xmldom/xmldom";

export interface TestGuestDisplay {
  type: "vnc" | "spice";
  /** Default 127.0.0.1. */
  listen?: string;
  /** A fixed port (autoport off); libvirt picks one otherwise. */
  port?: number;
  /** Also the `<listen type="address">` child element (default true). */
  listenElement?: boolean;
  /** Display password and its expiry (an expired one keeps everyone out until a fresh one is set). */
  passwd?: string;
  passwdValidTo?: string;
}

export interface TestGuestSpec {
  name: string;
  uuid: string;
  /** `kvm` or `qemu` (TCG). */
  domainType: string;
  memoryMiB: number;
  title?: string;
  description?: string;
  /** A `<currentMemory>` equal to memory. */
  currentMemory?: boolean;
  /** Direct kernel boot, the console on tty0 and ttyS0. */
  kernelBoot?: { kernel: string; initrd: string };
  /** ACPI, so shutdown/reboot requests reach a guest without an OS instead of being refused by libvirt. */
  acpi?: boolean;
  /** on_poweroff destroy, on_reboot restart, on_crash destroy. */
  lifecycle?: boolean;
  /** An existing qcow2 image as vda (virtio). */
  disk?: string;
  /** A pty serial port (ttyS0) that is also the console. */
  serial?: boolean;
  /** Displays, in this order; any display adds a VGA video device. */
  displays?: TestGuestDisplay[];
  /** `<memballoon model="none">`. */
  noBalloon?: boolean;
  /** A virtio NIC on each of these libvirt networks (the tiny guest asks for an address with DHCP). */
  networks?: string[];
}

/** One vCPU, x86_64 hvm, NICs only on `networks`; the rest as `spec` asks. */
export function testGuestXml(spec: TestGuestSpec): string {
  const doc = new DOMImplementation().createDocument(null, "domain", null);
  const domain = doc.documentElement!;
  domain.setAttribute("type", spec.domainType);
  const el = (parent: XmlElement, tag: string, attrs: Record<string, string> = {}, text?: string) => {
    const node = doc.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text !== undefined) node.appendChild(doc.createTextNode(text));
    parent.appendChild(node);
    return node;
  };
  el(domain, "name", {}, spec.name);
  el(domain, "uuid", {}, spec.uuid);
  if (spec.title !== undefined) el(domain, "title", {}, spec.title);
  if (spec.description !== undefined) el(domain, "description", {}, spec.description);
  el(domain, "memory", { unit: "MiB" }, String(spec.memoryMiB));
  if (spec.currentMemory) el(domain, "currentMemory", { unit: "MiB" }, String(spec.memoryMiB));
  el(domain, "vcpu", {}, "1");
  const os = el(domain, "os");
  el(os, "type", { arch: "x86_64" }, "hvm");
  if (spec.kernelBoot) {
    el(os, "kernel", {}, spec.kernelBoot.kernel);
    el(os, "initrd", {}, spec.kernelBoot.initrd);
    el(os, "cmdline", {}, "console=tty0 console=ttyS0");
  }
  if (spec.acpi) el(el(domain, "features"), "acpi");
  if (spec.lifecycle) {
    el(domain, "on_poweroff", {}, "destroy");
    el(domain, "on_reboot", {}, "restart");
    el(domain, "on_crash", {}, "destroy");
  }
  const devices = el(domain, "devices");
  if (spec.disk !== undefined) {
    const disk = el(devices, "disk", { type: "file", device: "disk" });
    el(disk, "driver", { name: "qemu", type: "qcow2" });
    el(disk, "source", { file: spec.disk });
    el(disk, "target", { dev: "vda", bus: "virtio" });
  }
  for (const network of spec.networks ?? []) {
    const nic = el(devices, "interface", { type: "network" });
    el(nic, "source", { network });
    el(nic, "model", { type: "virtio" });
  }
  if (spec.serial) {
    el(el(devices, "serial", { type: "pty" }), "target", { port: "0" });
    el(el(devices, "console", { type: "pty" }), "target", { type: "serial", port: "0" });
  }
  const displays = spec.displays ?? [];
  for (const d of displays) {
    const listen = d.listen ?? "127.0.0.1";
    const attrs: Record<string, string> = { type: d.type };
    if (d.port !== undefined) Object.assign(attrs, { port: String(d.port), autoport: "no" });
    else attrs.autoport = "yes";
    attrs.listen = listen;
    if (d.passwd !== undefined) attrs.passwd = d.passwd;
    if (d.passwdValidTo !== undefined) attrs.passwdValidTo = d.passwdValidTo;
    const graphics = el(devices, "graphics", attrs);
    if (d.listenElement !== false) el(graphics, "listen", { type: "address", address: listen });
  }
  if (displays.length > 0) el(el(devices, "video"), "model", { type: "vga" });
  if (spec.noBalloon) el(devices, "memballoon", { model: "none" });
  return new XMLSerializer().serializeToString(doc);
}
