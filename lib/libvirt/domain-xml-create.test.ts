import { describe, expect, it } from "vitest";
import { domainCreateXml, diskTargetNext, diskSuffix, type DomainCreateSpec } from "./domain-xml-create";
import { parseDomainXml } from "./domain-xml-parse";
import { attr, child, children, parseXmlRoot, path, text } from "./xml";

const base: DomainCreateSpec = {
  name: "web-01",
  uuid: "0b5c6f7e-1111-4222-8333-944455556666",
  domainType: "kvm",
  vcpus: 2,
  memoryMiB: 512,
  maxMemoryMiB: 1024,
  cpuMode: "host-model",
  firmware: "bios",
  disks: [
    { device: "disk", path: "/var/lib/libvirt/images/web-01.qcow2", format: "qcow2", bus: "virtio", cache: "none" },
  ],
  nics: [{ kind: "network", source: "default", model: "virtio" }],
  graphics: "vnc",
  serialConsole: true,
  boot: ["hd"],
};

describe("domainCreateXml", () => {
  it("builds a domain libvirt's own parser reads back", () => {
    const d = parseDomainXml(domainCreateXml(base));
    expect(d).toMatchObject({
      name: "web-01",
      uuid: base.uuid,
      type: "kvm",
      memoryKiB: 1024 * 1024,
      currentMemoryKiB: 512 * 1024,
      vcpu: { max: 2 },
    });
    expect(d.disks).toEqual([
      {
        type: "file",
        device: "disk",
        source: { file: base.disks[0].path },
        target: { dev: "vda", bus: "virtio" },
        driver: { name: "qemu", format: "qcow2", cache: "none" },
        readonly: false,
      },
    ]);
    expect(d.interfaces).toHaveLength(1);
    expect(d.interfaces[0]).toMatchObject({ type: "network", source: { network: "default" }, model: "virtio" });
    expect(d.interfaces[0].mac).toBeUndefined();
  });

  it("locks the display with an expired random password only when asked", () => {
    for (const graphics of ["vnc", "spice"] as const) {
      const open = child(child(parseXmlRoot(domainCreateXml({ ...base, graphics }), "domain"), "devices"), "graphics");
      expect(attr(open, "passwd")).toBeUndefined();
      const xmlA = domainCreateXml({ ...base, graphics, graphicsPasswordLocked: true });
      const a = child(child(parseXmlRoot(xmlA, "domain"), "devices"), "graphics");
      const b = child(
        child(parseXmlRoot(domainCreateXml({ ...base, graphics, graphicsPasswordLocked: true }), "domain"), "devices"),
        "graphics",
      );
      expect(attr(a, "passwd")).toMatch(graphics === "vnc" ? /^[A-Za-z0-9_-]{8}$/ : /^[A-Za-z0-9_-]{16}$/);
      expect(attr(a, "passwd")).not.toBe(attr(b, "passwd"));
      expect(new Date(`${attr(a, "passwdValidTo")}Z`).getTime()).toBeLessThan(Date.now());
    }
  });

  it("listens on 127.0.0.1 only, for VNC and SPICE", () => {
    for (const graphics of ["vnc", "spice"] as const) {
      const root = parseXmlRoot(domainCreateXml({ ...base, graphics }), "domain");
      const g = children(child(root, "devices"), "graphics");
      expect(g).toHaveLength(1);
      expect(attr(g[0], "type")).toBe(graphics);
      expect(attr(g[0], "listen")).toBe("127.0.0.1");
      expect(children(g[0], "listen").map((l) => [attr(l, "type"), attr(l, "address")])).toEqual([
        ["address", "127.0.0.1"],
      ]);
    }
    const none = parseXmlRoot(domainCreateXml({ ...base, graphics: "none" }), "domain");
    expect(children(child(none, "devices"), "graphics")).toHaveLength(0);
  });

  it("keeps hostile titles, descriptions and MACs as data", () => {
    const title = `x</title><devices><graphics type='vnc' listen='0.0.0.0'/></devices><title>`;
    const description = `"quotes" & 'apostrophes' <b>]]>`;
    const mac = `52:54:00:aa:bb:cc' /><source network='evil`;
    const xml = domainCreateXml({
      ...base,
      title,
      description,
      nics: [{ kind: "network", source: `net"'<>`, model: "e1000", mac }],
    });
    const root = parseXmlRoot(xml, "domain");
    expect(text(child(root, "title"))).toBe(title);
    expect(text(child(root, "description"))).toBe(description);
    const nics = children(child(root, "devices"), "interface");
    expect(nics).toHaveLength(1);
    expect(attr(child(nics[0], "mac"), "address")).toBe(mac);
    expect(attr(child(nics[0], "source"), "network")).toBe(`net"'<>`);
    expect(children(child(root, "devices"), "graphics").map((g) => attr(g, "listen"))).toEqual(["127.0.0.1"]);
    expect(xml).not.toContain("<graphics type='vnc'");
    expect(xml).not.toContain("<source network='evil");
  });

  it("numbers disk targets per bus and adds a read-only cdrom", () => {
    const xml = domainCreateXml({
      ...base,
      disks: [
        { device: "disk", path: "/a.qcow2", format: "qcow2", bus: "virtio" },
        { device: "disk", path: "/b.raw", format: "raw", bus: "virtio" },
        { device: "disk", path: "/c.raw", format: "raw", bus: "sata" },
        { device: "cdrom", path: "/x.iso", format: "raw", bus: "ide" },
      ],
      boot: ["cdrom", "hd"],
      bootMenu: true,
    });
    const d = parseDomainXml(xml);
    expect(d.disks.map((x) => [x.device, x.target.dev, x.driver.format, x.readonly])).toEqual([
      ["disk", "vda", "qcow2", false],
      ["disk", "vdb", "raw", false],
      ["disk", "sda", "raw", false],
      ["cdrom", "hda", "raw", true],
    ]);
    expect(d.os.bootDevices).toEqual(["cdrom", "hd"]);
    expect(attr(path(parseXmlRoot(xml, "domain"), "os", "bootmenu"), "enable")).toBe("yes");
  });

  it("drops host-passthrough under TCG, writes custom models and UEFI", () => {
    const tcg = parseXmlRoot(domainCreateXml({ ...base, domainType: "qemu", cpuMode: "host-passthrough" }), "domain");
    expect(child(tcg, "cpu")).toBeUndefined();
    const kvm = parseXmlRoot(domainCreateXml({ ...base, cpuMode: "host-passthrough" }), "domain");
    expect(attr(child(kvm, "cpu"), "mode")).toBe("host-passthrough");
    const custom = parseXmlRoot(
      domainCreateXml({ ...base, cpuMode: "custom", cpuModel: "qemu64", firmware: "uefi", machine: "q35" }),
      "domain",
    );
    expect(text(path(custom, "cpu", "model"))).toBe("qemu64");
    expect(attr(child(custom, "os"), "firmware")).toBe("efi");
    expect(attr(path(custom, "os", "type"), "machine")).toBe("q35");
  });

  it("records the libosinfo id", () => {
    expect(parseDomainXml(domainCreateXml({ ...base, osinfoId: "http://debian.org/debian/12" })).osinfoId).toBe(
      "http://debian.org/debian/12",
    );
  });
});

describe("disk targets", () => {
  it("follows libvirt's naming", () => {
    expect([0, 1, 25, 26, 27, 701, 702].map(diskSuffix)).toEqual(["a", "b", "z", "aa", "ab", "zz", "aaa"]);
    expect(diskTargetNext("virtio", ["vda", "vdc"])).toBe("vdb");
    expect(diskTargetNext("scsi", ["vda"])).toBe("sda");
    expect(diskTargetNext("ide", [])).toBe("hda");
  });
});
