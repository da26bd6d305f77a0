import "server-only";
import type { Element } from "@xmldom/xmldom";
import { attr, child, children, int, parseXmlRoot, text, yesNo } from "./xml";

/*
 * `virsh domcapabilities [--virttype kvm|qemu]` -> what one emulator/machine/domain type supports,
 * as <enum name=...><value/></enum> lists. https://libvirt.org/formatdomaincaps.html
 */

export type EnumsWire = Record<string, string[]>;

export interface DomCapabilitiesWire {
  emulator?: string;
  domainType: string;
  machine?: string;
  arch: string;
  maxVcpus?: number;
  os: { supported: boolean; firmware: string[]; loader?: { supported: boolean; enums: EnumsWire } };
  cpuModes: { name: string; supported: boolean }[];
  /** Device name (disk, graphics, video, hostdev, ...) -> supported + its enums. */
  devices: Record<string, { supported: boolean; enums: EnumsWire }>;
  /** Feature name (sev, genid, ...) -> supported. */
  features: Record<string, boolean>;
}

function enums(el: Element | undefined): EnumsWire {
  const out: EnumsWire = {};
  for (const e of children(el, "enum")) {
    const name = attr(e, "name");
    if (name) out[name] = children(e, "value").map((v) => text(v)?.trim() ?? "");
  }
  return out;
}

export function parseDomCapabilities(xml: string): DomCapabilitiesWire {
  const root = parseXmlRoot(xml, "domainCapabilities");
  const os = child(root, "os");
  const loader = child(os, "loader");
  const devices: DomCapabilitiesWire["devices"] = {};
  for (let n = child(root, "devices")?.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const d = n as Element;
    devices[d.tagName] = { supported: yesNo(attr(d, "supported")) ?? false, enums: enums(d) };
  }
  const features: Record<string, boolean> = {};
  for (let n = child(root, "features")?.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const f = n as Element;
    features[f.tagName] = yesNo(attr(f, "supported")) ?? false;
  }
  const out: DomCapabilitiesWire = {
    domainType: text(child(root, "domain"))?.trim() ?? "",
    arch: text(child(root, "arch"))?.trim() ?? "",
    os: {
      supported: yesNo(attr(os, "supported")) ?? false,
      firmware: enums(os).firmware ?? [],
      ...(loader ? { loader: { supported: yesNo(attr(loader, "supported")) ?? false, enums: enums(loader) } } : {}),
    },
    cpuModes: children(child(root, "cpu"), "mode").map((m) => ({
      name: attr(m, "name") ?? "",
      supported: yesNo(attr(m, "supported")) ?? false,
    })),
    devices,
    features,
  };
  const emulator = text(child(root, "path"))?.trim();
  const machine = text(child(root, "machine"))?.trim();
  const maxVcpus = int(attr(child(root, "vcpu"), "max"));
  if (emulator) out.emulator = emulator;
  if (machine) out.machine = machine;
  if (maxVcpus !== undefined) out.maxVcpus = maxVcpus;
  return out;
}
