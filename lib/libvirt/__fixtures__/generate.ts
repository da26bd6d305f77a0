/**
 * Regenerates the parser fixtures in this directory from a real local libvirt.
 *
 *   npx tsx lib/libvirt/__fixtures__/generate.ts [qemu:///system]
 *
 * Defines three throw-away domains (names contain "vdtest"), starts one of them under TCG so
 * live XML and domstats of a running guest are captured, then destroys and undefines them all and
 * removes their disk image. Domain XML is built with a DOM, never by string concatenation.
 * Needs root, libvirtd + virtlogd running and qemu-img.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { DOMImplementation, XMLSerializer, type Element as XmlElement } from "@xmldom/xmldom";

const uri = process.argv[2] ?? "qemu:///system";
const outDir = import.meta.dirname;
const work = mkdtempSync(path.join(tmpdir(), "vd-fixtures-"));
const diskPath = "/var/lib/libvirt/images/vdtest-fixture.qcow2";

export const FIXTURE_UUIDS = {
  running: "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b01",
  nics: "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b02",
  hostile: "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b03",
} as const;

/** Every hostile character class the quoting code must survive, in one libvirt domain name. */
export const HOSTILE_NAME = `-vdtest 'sq' "dq" ;$(id) \`id\` <&> ünïcødé 日本`;

function virsh(...args: string[]): string {
  return execFileSync("virsh", ["-c", uri, ...args], {
    encoding: "utf8",
    env: { ...process.env, LC_ALL: "C.UTF-8" },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

function save(name: string, text: string): void {
  writeFileSync(path.join(outDir, name), text);
  console.log(`wrote ${name} (${text.length} chars)`);
}

type Attrs = Record<string, string>;

/** Tiny DOM builder: el(parent, "disk", { type: "file" }, "text?") */
function el(parent: XmlElement, name: string, attrs: Attrs = {}, text?: string): XmlElement {
  const doc = parent.ownerDocument!;
  const node = doc.createElement(name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.appendChild(doc.createTextNode(text));
  parent.appendChild(node);
  return node;
}

function domainDocument(opts: {
  type: string;
  name: string;
  uuid: string;
  build: (domain: XmlElement) => void;
}): string {
  const doc = new DOMImplementation().createDocument(null, "domain", null);
  const domain = doc.documentElement!;
  domain.setAttribute("type", opts.type);
  el(domain, "name", {}, opts.name);
  el(domain, "uuid", {}, opts.uuid);
  opts.build(domain);
  return new XMLSerializer().serializeToString(doc);
}

function basics(domain: XmlElement, vcpus: { current: string; max: string }): void {
  el(domain, "memory", { unit: "KiB" }, "131072");
  el(domain, "currentMemory", { unit: "KiB" }, "131072");
  el(domain, "vcpu", { placement: "static", current: vcpus.current }, vcpus.max);
  const os = el(domain, "os");
  el(os, "type", { arch: "x86_64", machine: "pc" }, "hvm");
  el(os, "boot", { dev: "hd" });
  el(os, "boot", { dev: "cdrom" });
  const features = el(domain, "features");
  el(features, "acpi");
}

function define(xml: string, file: string): void {
  const p = path.join(work, file);
  writeFileSync(p, xml);
  virsh("define", p);
}

function cleanup(): void {
  for (const uuid of Object.values(FIXTURE_UUIDS)) {
    try {
      virsh("destroy", uuid);
    } catch {}
    try {
      virsh("undefine", uuid);
    } catch {}
  }
  rmSync(diskPath, { force: true });
}

cleanup();
try {
  save("version.txt", virsh("version"));
  save("nodeinfo.txt", virsh("nodeinfo"));
  save("capabilities.xml", virsh("capabilities"));
  save("domcapabilities-kvm.xml", virsh("domcapabilities", "--virttype", "kvm"));
  save("domcapabilities-qemu.xml", virsh("domcapabilities", "--virttype", "qemu"));

  execFileSync("qemu-img", ["create", "-q", "-f", "qcow2", diskPath, "64M"]);

  define(
    domainDocument({
      type: "qemu",
      name: "vdtest-fixture",
      uuid: FIXTURE_UUIDS.running,
      build: (domain) => {
        el(domain, "title", {}, "Fixture <guest> & friends");
        el(domain, "description", {}, "Line one\nLine \"two\" with 'quotes' & <brackets>");
        const metadata = el(domain, "metadata");
        const libosinfo = metadata.ownerDocument!.createElementNS(
          "http://libosinfo.org/xmlns/libvirt/domain/1.0",
          "libosinfo:libosinfo",
        );
        metadata.appendChild(libosinfo);
        const os = libosinfo.ownerDocument!.createElementNS(
          "http://libosinfo.org/xmlns/libvirt/domain/1.0",
          "libosinfo:os",
        );
        os.setAttribute("id", "http://debian.org/debian/12");
        libosinfo.appendChild(os);
        basics(domain, { current: "1", max: "2" });
        const devices = el(domain, "devices");
        const disk = el(devices, "disk", { type: "file", device: "disk" });
        el(disk, "driver", { name: "qemu", type: "qcow2" });
        el(disk, "source", { file: diskPath });
        el(disk, "target", { dev: "vda", bus: "virtio" });
        const cdrom = el(devices, "disk", { type: "file", device: "cdrom" });
        el(cdrom, "driver", { name: "qemu", type: "raw" });
        el(cdrom, "target", { dev: "sda", bus: "sata" });
        el(cdrom, "readonly");
        el(devices, "graphics", { type: "vnc", port: "-1", autoport: "yes", listen: "127.0.0.1" });
        const video = el(devices, "video");
        el(video, "model", { type: "vga" });
        const serial = el(devices, "serial", { type: "pty" });
        el(serial, "target", { port: "0" });
        const console_ = el(devices, "console", { type: "pty" });
        el(console_, "target", { type: "serial", port: "0" });
      },
    }),
    "running.xml",
  );

  define(
    domainDocument({
      type: "kvm",
      name: "vdtest-nics",
      uuid: FIXTURE_UUIDS.nics,
      build: (domain) => {
        basics(domain, { current: "2", max: "2" });
        const devices = el(domain, "devices");
        const vol = el(devices, "disk", { type: "volume", device: "disk" });
        el(vol, "driver", { name: "qemu", type: "qcow2" });
        el(vol, "source", { pool: "default", volume: "vdtest-nics.qcow2" });
        el(vol, "target", { dev: "vda", bus: "virtio" });
        const iso = el(devices, "disk", { type: "file", device: "cdrom" });
        el(iso, "driver", { name: "qemu", type: "raw" });
        el(iso, "source", { file: "/var/lib/libvirt/images/vdtest install.iso" });
        el(iso, "target", { dev: "hdc", bus: "ide" });
        el(iso, "readonly");
        const net = el(devices, "interface", { type: "network" });
        el(net, "mac", { address: "52:54:00:aa:bb:01" });
        el(net, "source", { network: "default" });
        el(net, "model", { type: "virtio" });
        const br = el(devices, "interface", { type: "bridge" });
        el(br, "mac", { address: "52:54:00:aa:bb:02" });
        el(br, "source", { bridge: "br0" });
        el(br, "model", { type: "e1000" });
        const vnc = el(devices, "graphics", { type: "vnc", port: "5931", autoport: "no" });
        el(vnc, "listen", { type: "address", address: "127.0.0.1" });
        el(el(devices, "graphics", { type: "vnc", autoport: "yes" }), "listen", { type: "none" });
        const serial = el(devices, "serial", { type: "file" });
        el(serial, "source", { path: "/var/log/libvirt/qemu/vdtest-nics-serial.log" });
        el(serial, "target", { port: "0" });
      },
    }),
    "nics.xml",
  );

  define(
    domainDocument({
      type: "qemu",
      name: HOSTILE_NAME,
      uuid: FIXTURE_UUIDS.hostile,
      build: (domain) => {
        el(domain, "title", {}, HOSTILE_NAME);
        basics(domain, { current: "1", max: "1" });
        el(domain, "devices");
      },
    }),
    "hostile.xml",
  );

  virsh("start", FIXTURE_UUIDS.running);
  save("domain-running-live.xml", virsh("dumpxml", FIXTURE_UUIDS.running));
  save("domain-running-inactive.xml", virsh("dumpxml", "--inactive", FIXTURE_UUIDS.running));
  save("domain-nics.xml", virsh("dumpxml", FIXTURE_UUIDS.nics));
  save("domain-hostile.xml", virsh("dumpxml", FIXTURE_UUIDS.hostile));
  virsh("suspend", FIXTURE_UUIDS.running);
  save("domstats-paused.txt", virsh("domstats", "--raw", FIXTURE_UUIDS.running));
  virsh("resume", FIXTURE_UUIDS.running);
  save(
    "domstats.txt",
    virsh("domstats", "--raw", FIXTURE_UUIDS.running, FIXTURE_UUIDS.nics, FIXTURE_UUIDS.hostile),
  );
  save("domstate-running.txt", virsh("domstate", "--reason", FIXTURE_UUIDS.running));
  save("domstate-shutoff.txt", virsh("domstate", "--reason", FIXTURE_UUIDS.hostile));
} finally {
  cleanup();
  rmSync(work, { recursive: true, force: true });
}
