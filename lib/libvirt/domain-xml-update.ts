import "server-only";
import type { Element } from "@xmldom/xmldom";
import { attr, child, children } from "./xml";
import {
  xmlAppend,
  xmlEnsureChild,
  xmlNewDocument,
  xmlParseDocument,
  xmlRemove,
  xmlSerialize,
  xmlSetText,
} from "./xml-build";
import {
  cdromBusFor,
  diskBackingStoreAppend,
  diskElementAppend,
  diskTargetNext,
  nicElementAppend,
  VIRTDECK_XMLNS,
  type DiskBacking,
  type DomainDiskCreate,
  type DomainNicCreate,
} from "./domain-xml-create";

/*
 * Read-modify-write edits of a domain's (inactive) XML: parse, change the DOM, serialize, then
 * `virsh define` it back. Each function takes and returns the whole domain XML; the device
 * functions also return the device's own XML for hot-plug (attach-device / detach-device --live).
 */

export class DomainEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DomainEditError";
  }
}

function edit(xml: string, fn: (domain: Element) => void): string {
  const { root } = xmlParseDocument(xml, "domain");
  fn(root);
  return xmlSerialize(root);
}

function devicesOf(domain: Element): Element {
  return xmlEnsureChild(domain, "devices");
}

function setOrRemoveText(domain: Element, tag: string, value: string, before?: string): void {
  let el = child(domain, tag);
  if (!value) {
    xmlRemove(el);
    return;
  }
  if (!el) {
    el = domain.ownerDocument!.createElement(tag);
    const anchor = before ? child(domain, before) : undefined;
    if (anchor) domain.insertBefore(el, anchor);
    else domain.appendChild(el);
  }
  xmlSetText(el, value);
}

export function domainSetTitle(xml: string, title: string): string {
  return edit(xml, (d) => setOrRemoveText(d, "title", title, "memory"));
}

export function domainSetDescription(xml: string, description: string): string {
  return edit(xml, (d) => setOrRemoveText(d, "description", description, "memory"));
}

/** Sets the vCPU count (current = maximum: hot-plug is left to setvcpus --live). */
export function domainSetVcpus(xml: string, vcpus: number): string {
  return edit(xml, (d) => {
    const el = xmlEnsureChild(d, "vcpu");
    el.removeAttribute("current");
    xmlSetText(el, vcpus);
    // A per-vCPU <vcpus> list must match the count; drop it rather than leave it inconsistent.
    xmlRemove(child(d, "vcpus"));
  });
}

/** Sets current and/or maximum memory (MiB); current never exceeds maximum. */
export function domainSetMemory(xml: string, o: { memoryMiB?: number; maxMemoryMiB?: number }): string {
  return edit(xml, (d) => {
    const mem = xmlEnsureChild(d, "memory");
    const cur = xmlEnsureChild(d, "currentMemory");
    const curMiB = o.memoryMiB ?? kibOf(cur) / 1024;
    const maxMiB = o.maxMemoryMiB ?? kibOf(mem) / 1024;
    if (curMiB > maxMiB) throw new DomainEditError("Memory cannot exceed the maximum memory");
    mem.setAttribute("unit", "KiB");
    xmlSetText(mem, Math.round(maxMiB * 1024));
    cur.setAttribute("unit", "KiB");
    xmlSetText(cur, Math.round(curMiB * 1024));
  });
}

function kibOf(el: Element): number {
  const n = Number((el.textContent ?? "").trim());
  const unit = (attr(el, "unit") ?? "KiB").toLowerCase();
  const f: Record<string, number> = {
    b: 1 / 1024,
    bytes: 1 / 1024,
    k: 1,
    kib: 1,
    m: 1024,
    mib: 1024,
    g: 1024 * 1024,
    gib: 1024 * 1024,
  };
  return Number.isFinite(n) ? n * (f[unit] ?? 1) : 0;
}

/** Boot order through <os><boot dev/>; per-device <boot order> elements would conflict and go. */
export function domainSetBoot(xml: string, o: { order?: ("hd" | "cdrom" | "network")[]; menu?: boolean }): string {
  return edit(xml, (d) => {
    const os = xmlEnsureChild(d, "os");
    if (o.order) {
      for (const b of children(os, "boot")) xmlRemove(b);
      for (const dev of children(devicesOf(d), "disk").concat(children(devicesOf(d), "interface")))
        xmlRemove(child(dev, "boot"));
      const typeEl = child(os, "type");
      let after: Element | null = typeEl ?? null;
      for (const dev of o.order) {
        const b = d.ownerDocument!.createElement("boot");
        b.setAttribute("dev", dev);
        const next: Element | null = after ? (after.nextSibling as Element | null) : (os.firstChild as Element | null);
        os.insertBefore(b, next);
        after = b;
      }
    }
    if (o.menu !== undefined) {
      xmlRemove(child(os, "bootmenu"));
      if (o.menu) xmlAppend(os, "bootmenu", { enable: "yes", timeout: 3000 });
    }
  });
}

export interface DomainDiskInfo {
  target: string;
  device: string;
  bus: string;
  path?: string;
  format?: string;
}

export function domainDisks(xml: string): DomainDiskInfo[] {
  const { root } = xmlParseDocument(xml, "domain");
  return children(child(root, "devices"), "disk").map((disk) => {
    const source = child(disk, "source");
    return {
      target: attr(child(disk, "target"), "dev") ?? "",
      device: attr(disk, "device") ?? "disk",
      bus: attr(child(disk, "target"), "bus") ?? "",
      path: attr(source, "file") ?? attr(source, "dev"),
      format: attr(child(disk, "driver"), "type"),
    };
  });
}

function usedTargets(domain: Element): string[] {
  return children(child(domain, "devices"), "disk").map((d) => attr(child(d, "target"), "dev") ?? "");
}

/** Adds a disk; returns the new XML, the chosen target and the device's own XML. */
export function domainAddDisk(xml: string, disk: DomainDiskCreate): { xml: string; target: string; deviceXml: string } {
  let target = "";
  let deviceXml = "";
  const out = edit(xml, (d) => {
    target = diskTargetNext(disk.bus, usedTargets(d));
    deviceXml = xmlSerialize(diskElementAppend(devicesOf(d), disk, target));
  });
  return { xml: out, target, deviceXml };
}

function diskByTarget(domain: Element, target: string): Element {
  const el = children(child(domain, "devices"), "disk").find((x) => attr(child(x, "target"), "dev") === target);
  if (!el) throw new DomainEditError(`No disk ${target}`);
  return el;
}

/** Removes the disk with this target; returns the new XML and the removed device's XML. */
export function domainRemoveDisk(xml: string, target: string): { xml: string; deviceXml: string; path?: string } {
  let deviceXml = "";
  let path: string | undefined;
  const out = edit(xml, (d) => {
    const el = diskByTarget(d, target);
    path = attr(child(el, "source"), "file");
    deviceXml = xmlSerialize(el);
    xmlRemove(el);
  });
  return { xml: out, deviceXml, path };
}

/**
 * Puts an ISO in a cdrom: the first empty cdrom drive, or a new one. Returns the drive's target
 * and its XML (for update-device on a running guest; adding a drive needs a shutdown).
 */
export function domainAttachIso(
  xml: string,
  isoPath: string,
): { xml: string; target: string; deviceXml: string; newDrive: boolean } {
  let target = "";
  let deviceXml = "";
  let newDrive = false;
  const out = edit(xml, (d) => {
    const drives = children(child(d, "devices"), "disk").filter((x) => attr(x, "device") === "cdrom");
    let drive = drives.find((x) => !attr(child(x, "source"), "file")) ?? undefined;
    if (!drive) {
      newDrive = true;
      const bus = cdromBusFor(attr(child(child(d, "os"), "type"), "machine"));
      target = diskTargetNext(bus, usedTargets(d));
      drive = diskElementAppend(devicesOf(d), { device: "cdrom", format: "raw", bus, path: isoPath }, target);
    } else {
      target = attr(child(drive, "target"), "dev") ?? "";
      let source = child(drive, "source");
      if (!source) {
        source = drive.ownerDocument!.createElement("source");
        drive.insertBefore(source, child(drive, "target") ?? null);
      }
      source.setAttribute("file", isoPath);
      if (drive.getAttribute("type") !== "file") drive.setAttribute("type", "file");
    }
    deviceXml = xmlSerialize(drive);
  });
  return { xml: out, target, deviceXml, newDrive };
}

/** Empties a cdrom drive (the drive stays). */
export function domainEjectIso(xml: string, target: string): { xml: string; deviceXml: string } {
  let deviceXml = "";
  const out = edit(xml, (d) => {
    const drive = diskByTarget(d, target);
    if (attr(drive, "device") !== "cdrom") throw new DomainEditError(`${target} is not a CD-ROM drive`);
    xmlRemove(child(drive, "source"));
    deviceXml = xmlSerialize(drive);
  });
  return { xml: out, deviceXml };
}

export function domainAddNic(xml: string, nic: DomainNicCreate): { xml: string; deviceXml: string } {
  let deviceXml = "";
  const out = edit(xml, (d) => {
    deviceXml = xmlSerialize(nicElementAppend(devicesOf(d), nic));
  });
  return { xml: out, deviceXml };
}

export function domainRemoveNic(xml: string, mac: string): { xml: string; deviceXml: string } {
  let deviceXml = "";
  const out = edit(xml, (d) => {
    const el = children(child(d, "devices"), "interface").find(
      (x) => attr(child(x, "mac"), "address")?.toLowerCase() === mac.toLowerCase(),
    );
    if (!el) throw new DomainEditError(`No network interface with MAC ${mac}`);
    deviceXml = xmlSerialize(el);
    xmlRemove(el);
  });
  return { xml: out, deviceXml };
}

/** The virtdeck marker element in <metadata>. */
function marker(domain: Element): Element | undefined {
  return child(child(domain, "metadata"), "template", VIRTDECK_XMLNS);
}

/** Marks (or unmarks) a domain as a template: virtdeck refuses to start it. */
export function domainMarkTemplate(xml: string, templateId: string | null): string {
  return edit(xml, (d) => {
    xmlRemove(marker(d));
    if (!templateId) return;
    const meta = xmlEnsureChild(d, "metadata");
    const el = d.ownerDocument!.createElementNS(VIRTDECK_XMLNS, "virtdeck:template");
    el.setAttribute("id", templateId);
    meta.appendChild(el);
  });
}

/** The template id a domain is marked with, or null. */
export function domainTemplateMark(xml: string): string | null {
  const { root } = xmlParseDocument(xml, "domain");
  const m = marker(root);
  return m ? (attr(m, "id") ?? "") : null;
}

/**
 * A copy of a domain's definition for a clone: new name, UUID and title; disk paths replaced as
 * mapped; MAC addresses dropped (libvirt generates new ones); live-only details (ids, allocated
 * ports, NVRAM path, template marker) removed.
 */
/**
 * The clone's XML. `diskPaths` maps each source disk's path to its copy's; a disk listed in
 * `overlays` became a qcow2 overlay on the source disk (a linked clone): its driver type turns
 * qcow2 and its backing chain (the source image and what is under it, each in its declared
 * format) is written out.
 */
export function domainCloneXml(
  xml: string,
  o: {
    name: string;
    uuid: string;
    title?: string;
    diskPaths: ReadonlyMap<string, string>;
    overlays?: ReadonlyMap<string, readonly DiskBacking[]>;
  },
): string {
  return edit(xml, (d) => {
    d.removeAttribute("id");
    xmlSetText(xmlEnsureChild(d, "name"), o.name);
    xmlSetText(xmlEnsureChild(d, "uuid"), o.uuid);
    if (o.title !== undefined) setOrRemoveText(d, "title", o.title, "memory");
    xmlRemove(marker(d));
    xmlRemove(child(child(d, "os"), "nvram"));
    const devices = child(d, "devices");
    for (const disk of children(devices, "disk")) {
      const source = child(disk, "source");
      const file = attr(source, "file");
      if (file && attr(disk, "device") !== "cdrom") {
        const next = o.diskPaths.get(file);
        if (!next) throw new DomainEditError(`No copy planned for disk ${file}`);
        source!.setAttribute("file", next);
        xmlRemove(child(disk, "backingStore"));
        const backing = o.overlays?.get(file);
        if (backing?.length) {
          xmlEnsureChild(disk, "driver").setAttribute("type", "qcow2");
          diskBackingStoreAppend(disk, backing);
        }
      }
    }
    for (const nic of children(devices, "interface")) {
      xmlRemove(child(nic, "mac"));
      xmlRemove(child(nic, "target"));
    }
    for (const g of children(devices, "graphics")) {
      if (attr(g, "autoport") !== "no") g.removeAttribute("port");
    }
  });
}

/** An empty <disk> element string is never needed; exported for tests building device XML. */
export function deviceXmlForDisk(disk: DomainDiskCreate, target: string): string {
  const { root } = xmlNewDocument("devices");
  return xmlSerialize(diskElementAppend(root, disk, target));
}
