import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseDomainXml } from "./domain-xml-parse";
import { LibvirtParseError } from "./xml";

// Real `virsh dumpxml` output; see __fixtures__/generate.ts.
const fixture = (name: string) => readFileSync(path.join(import.meta.dirname, "__fixtures__", name), "utf8");
const HOSTILE_NAME = `-vdtest 'sq' "dq" ;$(id) \`id\` <&> ünïcødé 日本`;

describe("parseDomainXml", () => {
  it("reads a running guest's live XML", () => {
    const d = parseDomainXml(fixture("domain-running-live.xml"));
    expect(d).toMatchObject({
      id: 1,
      name: "vdtest-fixture",
      uuid: "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b01",
      title: "Fixture <guest> & friends",
      description: `Line one\nLine "two" with 'quotes' & <brackets>`,
      type: "qemu",
      os: { type: "hvm", arch: "x86_64", machine: "pc-i440fx-7.2", bootDevices: ["hd", "cdrom"] },
      vcpu: { current: 1, max: 2 },
      memoryKiB: 131072,
      currentMemoryKiB: 131072,
      osinfoId: "http://debian.org/debian/12",
      interfaces: [],
    });
    expect(d.disks).toEqual([
      {
        type: "file",
        device: "disk",
        source: { file: "/var/lib/libvirt/images/vdtest-fixture.qcow2" },
        target: { dev: "vda", bus: "virtio" },
        driver: { name: "qemu", format: "qcow2" },
        readonly: false,
      },
      {
        type: "file",
        device: "cdrom",
        source: null,
        target: { dev: "sda", bus: "sata" },
        driver: { name: "qemu" },
        readonly: true,
      },
    ]);
    // The live XML has the allocated VNC port; <source> of the backing store is not mistaken for the disk's.
    expect(d.graphics).toEqual([
      {
        type: "vnc",
        port: 5900,
        autoport: true,
        listen: "127.0.0.1",
        listens: [{ type: "address", address: "127.0.0.1" }],
        hasPassword: false,
      },
    ]);
    expect(d.serials).toEqual([{ type: "pty", sourcePath: "/dev/pts/0", targetType: "isa-serial", targetPort: 0 }]);
    expect(d.consoles).toEqual([{ type: "pty", sourcePath: "/dev/pts/0", targetType: "serial", targetPort: 0 }]);
  });

  it("reads the inactive XML of the same guest: no id, no port, no pty", () => {
    const d = parseDomainXml(fixture("domain-running-inactive.xml"));
    expect(d.id).toBeUndefined();
    expect(d.graphics[0].port).toBeUndefined();
    expect(d.graphics[0].autoport).toBe(true);
    expect(d.serials[0].sourcePath).toBeUndefined();
    expect(d.disks[1].driver.format).toBe("raw");
  });

  it("reads network and bridge interfaces, volume disks and listen elements", () => {
    const d = parseDomainXml(fixture("domain-nics.xml"));
    expect(d.type).toBe("kvm");
    expect(d.vcpu).toEqual({ current: 2, max: 2 });
    expect(d.osinfoId).toBeUndefined();
    expect(d.interfaces).toEqual([
      { type: "network", mac: "52:54:00:aa:bb:01", model: "virtio", source: { network: "default" } },
      { type: "bridge", mac: "52:54:00:aa:bb:02", model: "e1000", source: { bridge: "br0" } },
    ]);
    expect(d.disks[0]).toMatchObject({ type: "volume", source: { pool: "default", volume: "vdtest-nics.qcow2" } });
    expect(d.disks[1]).toMatchObject({
      device: "cdrom",
      source: { file: "/var/lib/libvirt/images/vdtest install.iso" },
      target: { dev: "hdc", bus: "ide" },
      readonly: true,
    });
    expect(d.graphics.map((g) => [g.port, g.autoport, g.listens])).toEqual([
      [5931, false, [{ type: "address", address: "127.0.0.1" }]],
      [undefined, false, [{ type: "none" }]],
    ]);
    expect(d.serials[0]).toEqual({
      type: "file",
      sourcePath: "/var/log/libvirt/qemu/vdtest-nics-serial.log",
      targetType: "isa-serial",
      targetPort: 0,
    });
  });

  it("keeps a hostile name and title exactly", () => {
    const d = parseDomainXml(fixture("domain-hostile.xml"));
    expect(d.name).toBe(HOSTILE_NAME);
    expect(d.title).toBe(HOSTILE_NAME);
    expect(d.disks).toEqual([]);
    expect(d.vcpu).toEqual({ current: 1, max: 1 });
  });

  it("converts memory units to KiB and defaults currentMemory and vcpu current", () => {
    const d = parseDomainXml(
      `<domain type='qemu'><name>m</name><uuid>6D1F0C52-3B8E-4D0A-9A57-1C2F5E7A0B09</uuid>` +
        `<memory unit='GiB'>2</memory><vcpu>4</vcpu><os><type>hvm</type></os></domain>`,
    );
    expect(d).toMatchObject({
      uuid: "6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b09",
      memoryKiB: 2 * 1024 * 1024,
      currentMemoryKiB: 2 * 1024 * 1024,
      vcpu: { current: 4, max: 4 },
    });
  });

  it("only looks at direct children (a <name> deeper down is not the domain's)", () => {
    const d = parseDomainXml(
      `<domain type='kvm'><metadata><name>evil</name></metadata><name>real</name>` +
        `<uuid>6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b09</uuid><memory>1024</memory>` +
        `<devices><disk type='file' device='disk'><target dev='vda'/><backingStore type='file'><source file='/backing'/></backingStore></disk></devices></domain>`,
    );
    expect(d.name).toBe("real");
    expect(d.disks[0].source).toBeNull();
  });

  it.each([
    ["not XML", "virsh: error"],
    ["another document", "<network><name>x</name></network>"],
    ["no name", "<domain><uuid>6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b09</uuid><memory>1</memory></domain>"],
    ["no memory", "<domain><name>x</name><uuid>6d1f0c52-3b8e-4d0a-9a57-1c2f5e7a0b09</uuid></domain>"],
    ["unclosed tags", "<domain><name>x</name>"],
  ])("throws LibvirtParseError for %s", (_n, xml) => {
    expect(() => parseDomainXml(xml)).toThrow(LibvirtParseError);
  });
});
