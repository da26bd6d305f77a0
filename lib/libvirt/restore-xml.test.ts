import { describe, expect, it } from "vitest";
import { restoreXmlBuild } from "./restore-xml";
import { parseDomainXml } from "./domain-xml-parse";
import { domainDisks } from "./domain-xml-update";

const SRC = `<domain type='qemu'>
  <name>web</name>
  <uuid>11111111-2222-3333-4444-555555555555</uuid>
  <memory unit='KiB'>131072</memory>
  <os><type arch='x86_64'>hvm</type></os>
  <devices>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/web.img'/>
      <backingStore/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <disk type='file' device='cdrom'>
      <source file='/isos/x.iso'/>
      <target dev='hdc' bus='ide'/>
      <readonly/>
    </disk>
    <interface type='network'>
      <mac address='52:54:00:aa:bb:cc'/>
      <source network='default'/>
    </interface>
  </devices>
</domain>`;

describe("restoreXmlBuild", () => {
  it("gives a new name and UUID, drops MACs, points disks at the restored files, empties CD-ROMs", () => {
    const xml = restoreXmlBuild(SRC, {
      name: "web-restored",
      uuid: "99999999-8888-7777-6666-555555555555",
      disks: new Map([["vda", { path: "/pool/web-restored-vda.raw", format: "raw" }]]),
    });
    const d = parseDomainXml(xml);
    expect(d.name).toBe("web-restored");
    expect(d.uuid).toBe("99999999-8888-7777-6666-555555555555");
    expect(xml).not.toContain("52:54:00:aa:bb:cc");
    expect(xml).not.toContain("backingStore");
    const disks = domainDisks(xml);
    expect(disks).toEqual([
      { target: "vda", device: "disk", bus: "virtio", path: "/pool/web-restored-vda.raw", format: "raw" },
      { target: "hdc", device: "cdrom", bus: "ide", path: undefined, format: undefined },
    ]);
  });

  it("removes NICs when asked (a verification boot off every network)", () => {
    const xml = restoreXmlBuild(SRC, {
      name: "x",
      uuid: "99999999-8888-7777-6666-555555555555",
      disks: new Map([["vda", { path: "/p/x.qcow2", format: "qcow2" }]]),
      noNetwork: true,
    });
    expect(xml).not.toContain("<interface");
  });
});
