import { describe, expect, it } from "vitest";
import { domainCreateXml, type DomainCreateSpec } from "./domain-xml-create";
import {
  domainAddDisk,
  domainAddNic,
  domainAttachIso,
  domainCloneXml,
  domainDisks,
  domainEjectIso,
  domainMarkTemplate,
  domainRemoveDisk,
  domainRemoveNic,
  domainSetBoot,
  domainSetDescription,
  domainSetMemory,
  domainSetTitle,
  domainSetVcpus,
  domainTemplateMark,
  DomainEditError,
} from "./domain-xml-update";
import { parseDomainXml } from "./domain-xml-parse";
import { attr, child, children, parseXmlRoot, path, text } from "./xml";

const spec: DomainCreateSpec = {
  name: "db-01",
  uuid: "7e0e3f3a-5b7c-4d1e-9f00-112233445566",
  domainType: "qemu",
  vcpus: 1,
  memoryMiB: 128,
  maxMemoryMiB: 256,
  cpuMode: "host-model",
  firmware: "bios",
  disks: [
    { device: "disk", path: "/pool/db-01.qcow2", format: "qcow2", bus: "virtio" },
    { device: "cdrom", format: "raw", bus: "ide" },
  ],
  nics: [{ kind: "network", source: "isolated", model: "virtio", mac: "52:54:00:00:00:01" }],
  graphics: "vnc",
  serialConsole: true,
  boot: ["hd"],
};
const xml = domainCreateXml(spec);

describe("domain edits", () => {
  it("sets vCPUs and memory", () => {
    const d = parseDomainXml(domainSetMemory(domainSetVcpus(xml, 3), { memoryMiB: 200 }));
    expect(d.vcpu.max).toBe(3);
    expect(d.currentMemoryKiB).toBe(200 * 1024);
    expect(d.memoryKiB).toBe(256 * 1024);
    expect(() => domainSetMemory(xml, { memoryMiB: 512 })).toThrow(DomainEditError);
    expect(parseDomainXml(domainSetMemory(xml, { memoryMiB: 512, maxMemoryMiB: 512 })).memoryKiB).toBe(512 * 1024);
  });

  it("sets and clears title and description as text", () => {
    const hostile = `</title><on_crash>restart</on_crash>`;
    const t = domainSetDescription(domainSetTitle(xml, hostile), "a & b");
    const d = parseDomainXml(t);
    expect(d.title).toBe(hostile);
    expect(d.description).toBe("a & b");
    expect(text(child(parseXmlRoot(t, "domain"), "on_crash"))).toBe("destroy");
    expect(parseDomainXml(domainSetTitle(t, "")).title).toBeUndefined();
  });

  it("sets boot order and menu", () => {
    const out = domainSetBoot(xml, { order: ["cdrom", "network", "hd"], menu: true });
    expect(parseDomainXml(out).os.bootDevices).toEqual(["cdrom", "network", "hd"]);
    const os = child(parseXmlRoot(out, "domain"), "os");
    expect(attr(child(os, "bootmenu"), "enable")).toBe("yes");
    // <type> stays the first child of <os>.
    expect((os!.firstChild as unknown as { tagName: string }).tagName).toBe("type");
    expect(child(child(parseXmlRoot(domainSetBoot(out, { menu: false }), "domain"), "os"), "bootmenu")).toBeUndefined();
  });

  it("adds and removes disks", () => {
    const added = domainAddDisk(xml, { device: "disk", path: "/pool/extra.raw", format: "raw", bus: "virtio" });
    expect(added.target).toBe("vdb");
    expect(added.deviceXml).toContain(`file="/pool/extra.raw"`);
    expect(domainDisks(added.xml).map((d) => d.target)).toEqual(["vda", "hda", "vdb"]);
    const removed = domainRemoveDisk(added.xml, "vdb");
    expect(removed.path).toBe("/pool/extra.raw");
    expect(domainDisks(removed.xml).map((d) => d.target)).toEqual(["vda", "hda"]);
    expect(() => domainRemoveDisk(xml, "vdz")).toThrow(DomainEditError);
  });

  it("attaches an ISO to the empty drive, then ejects it", () => {
    const a = domainAttachIso(xml, "/isos/grub.iso");
    expect(a).toMatchObject({ target: "hda", newDrive: false });
    expect(domainDisks(a.xml).find((d) => d.target === "hda")?.path).toBe("/isos/grub.iso");
    const second = domainAttachIso(a.xml, "/isos/other.iso");
    expect(second).toMatchObject({ target: "hdb", newDrive: true });
    const e = domainEjectIso(a.xml, "hda");
    expect(domainDisks(e.xml).find((d) => d.target === "hda")?.path).toBeUndefined();
    expect(() => domainEjectIso(xml, "vda")).toThrow(DomainEditError);
  });

  it("adds and removes NICs by MAC", () => {
    const a = domainAddNic(xml, { kind: "bridge", source: "br0", model: "e1000", mac: "52:54:00:00:00:02" });
    expect(parseDomainXml(a.xml).interfaces.map((i) => i.mac)).toEqual(["52:54:00:00:00:01", "52:54:00:00:00:02"]);
    const r = domainRemoveNic(a.xml, "52:54:00:00:00:01");
    expect(parseDomainXml(r.xml).interfaces.map((i) => i.mac)).toEqual(["52:54:00:00:00:02"]);
    expect(() => domainRemoveNic(xml, "52:54:00:00:00:09")).toThrow(DomainEditError);
  });

  it("marks a template and reads the mark back", () => {
    expect(domainTemplateMark(xml)).toBeNull();
    const marked = domainMarkTemplate(xml, "t-1");
    expect(domainTemplateMark(marked)).toBe("t-1");
    expect(domainTemplateMark(domainMarkTemplate(marked, null))).toBeNull();
  });

  it("unmarks a template and keeps other applications' metadata", () => {
    const withOther = xml.replace(
      "</domain>",
      `<metadata><app:info xmlns:app="https://example.org/app" owner="ops"/></metadata></domain>`,
    );
    const unmarked = domainMarkTemplate(domainMarkTemplate(withOther, "t-1"), null);
    expect(domainTemplateMark(unmarked)).toBeNull();
    expect(unmarked).not.toContain("virtdeck");
    const meta = child(parseXmlRoot(unmarked, "domain"), "metadata");
    expect(attr(child(meta, "info", "https://example.org/app"), "owner")).toBe("ops");
    expect(parseDomainXml(unmarked).disks.map((d) => d.target.dev)).toEqual(
      parseDomainXml(xml).disks.map((d) => d.target.dev),
    );
  });

  it("rewrites a definition for a clone", () => {
    const marked = domainMarkTemplate(domainSetTitle(xml, "old"), "t-1");
    const out = domainCloneXml(marked, {
      name: "db-02",
      uuid: "11111111-2222-4333-8444-555555555555",
      title: "copy",
      diskPaths: new Map([["/pool/db-01.qcow2", "/pool/db-02.qcow2"]]),
    });
    const d = parseDomainXml(out);
    expect(d).toMatchObject({ name: "db-02", uuid: "11111111-2222-4333-8444-555555555555", title: "copy" });
    expect(d.disks[0].source).toEqual({ file: "/pool/db-02.qcow2" });
    expect(d.interfaces[0].mac).toBeUndefined();
    expect(domainTemplateMark(out)).toBeNull();
    expect(children(path(parseXmlRoot(out, "domain"), "devices"), "graphics")).toHaveLength(1);
    expect(() => domainCloneXml(xml, { name: "x", uuid: spec.uuid, diskPaths: new Map() })).toThrow(DomainEditError);
  });

  it("makes a linked clone's disk a qcow2 overlay with its declared backing chain, ended by an empty backingStore", () => {
    const rawXml = xml.replace('type="qcow2"', 'type="raw"');
    const chain = [{ path: "/pool/db-01.raw", format: "raw" as const }];
    const out = domainCloneXml(rawXml.replace("/pool/db-01.qcow2", "/pool/db-01.raw"), {
      name: "db-02",
      uuid: "11111111-2222-4333-8444-555555555555",
      diskPaths: new Map([["/pool/db-01.raw", "/pool/db-02.qcow2"]]),
      overlays: new Map([["/pool/db-01.raw", chain]]),
    });
    const disk = child(child(parseXmlRoot(out, "domain"), "devices"), "disk")!;
    expect(attr(child(disk, "driver"), "type")).toBe("qcow2");
    const bs = child(disk, "backingStore")!;
    expect(attr(child(bs, "format"), "type")).toBe("raw");
    expect(attr(child(bs, "source"), "file")).toBe("/pool/db-01.raw");
    const end = child(bs, "backingStore")!;
    expect(end.childNodes.length).toBe(0);
  });

  it("writes every link of a longer chain", () => {
    const created = domainCreateXml({
      ...spec,
      disks: [
        {
          device: "disk",
          format: "qcow2",
          bus: "virtio",
          path: "/p/vm.qcow2",
          backing: [
            { path: "/p/gold.qcow2", format: "qcow2" },
            { path: "/p/base.raw", format: "raw" },
          ],
        },
      ],
    });
    expect(created).toContain(
      '<backingStore type="file"><format type="qcow2"/><source file="/p/gold.qcow2"/><backingStore type="file"><format type="raw"/><source file="/p/base.raw"/><backingStore/></backingStore></backingStore>',
    );
  });
});
