import "server-only";
import type { Element } from "@xmldom/xmldom";
import { MACVTAP_MODES, type NetworkSpec } from "@/lib/contracts/network";
import { attr, child, children, int, parseXmlRoot, text } from "./xml";
import { xmlAppend, xmlNewDocument, xmlParseDocument, xmlRemove, xmlSerialize } from "./xml-build";

/** One <ip> of a network: the host side's address, its DHCP ranges and static hosts. */
export interface NetworkIpWire {
  family: "ipv4" | "ipv6";
  address: string;
  prefix: number | null;
  dhcpRanges: { start: string; end: string }[];
  hosts: { mac: string | null; ip: string; name: string | null }[];
}

/** `virsh net-dumpxml` -> the state-independent facts of a network. https://libvirt.org/formatnetwork.html */
export interface NetworkWire {
  name: string;
  uuid?: string;
  /** nat | route | open | bridge | private | vepa | passthrough | hostdev; undefined: an isolated network. */
  forwardMode?: string;
  /** <forward dev>: the host interface a NAT/routed network leaves by. */
  forwardDev?: string;
  /** <forward><interface dev>: the host interfaces of a macvtap (direct) network. */
  devices: string[];
  bridge?: string;
  mtu?: number;
  domain?: string;
  ips: NetworkIpWire[];
  /** IPv4/IPv6 addresses of the host side, as "address/prefix". */
  addresses: string[];
  dhcp: boolean;
}

function prefixOf(ip: Element): number | null {
  const prefix = int(attr(ip, "prefix"));
  if (prefix !== undefined) return prefix;
  const mask = attr(ip, "netmask");
  if (!mask) return null;
  return mask.split(".").reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0);
}

function ipOf(ip: Element): NetworkIpWire | null {
  const address = attr(ip, "address");
  if (!address) return null;
  const dhcp = child(ip, "dhcp");
  return {
    family: attr(ip, "family") === "ipv6" || address.includes(":") ? "ipv6" : "ipv4",
    address,
    prefix: prefixOf(ip),
    dhcpRanges: children(dhcp, "range").map((r) => ({ start: attr(r, "start") ?? "", end: attr(r, "end") ?? "" })),
    hosts: children(dhcp, "host").flatMap((h) => {
      const hip = attr(h, "ip");
      return hip ? [{ mac: attr(h, "mac") ?? null, ip: hip, name: attr(h, "name") ?? null }] : [];
    }),
  };
}

export function parseNetworkXml(xml: string): NetworkWire {
  const net = parseXmlRoot(xml, "network");
  const forward = child(net, "forward");
  const ips = children(net, "ip").flatMap((el) => ipOf(el) ?? []);
  return {
    name: text(child(net, "name"))?.trim() ?? "",
    uuid: text(child(net, "uuid"))?.trim(),
    forwardMode: forward ? (attr(forward, "mode") ?? "nat") : undefined,
    forwardDev: attr(forward, "dev"),
    devices: children(forward, "interface").flatMap((i) => attr(i, "dev") ?? []),
    bridge: attr(child(net, "bridge"), "name"),
    mtu: int(attr(child(net, "mtu"), "size")),
    domain: attr(child(net, "domain"), "name"),
    ips,
    addresses: ips.map((ip) => (ip.prefix !== null ? `${ip.address}/${ip.prefix}` : ip.address)),
    dhcp: children(net, "ip").some((ip) => child(ip, "dhcp") !== undefined),
  };
}

/** The libvirt <forward mode> for a wizard forward mode (undefined: isolated, no <forward>). */
function forwardModeOf(spec: NetworkSpec): string | undefined {
  if (spec.forwardMode === "isolated") return undefined;
  if (spec.forwardMode === "macvtap") return spec.macvtapMode;
  return spec.forwardMode;
}

/** The elements a network spec decides; everything else of a stored definition is kept on edit. */
const MANAGED = ["forward", "bridge", "mtu", "domain", "ip"] as const;

/** Appends the elements of a validated spec (lib/contracts/network.ts) under <network>, through the DOM. */
function appendSpec(root: Element, spec: NetworkSpec): void {
  const mode = forwardModeOf(spec);
  if (mode) {
    const forward = xmlAppend(root, "forward", { mode, dev: spec.forwardMode === "macvtap" ? undefined : spec.dev });
    if (spec.forwardMode === "macvtap" && spec.dev) xmlAppend(forward, "interface", { dev: spec.dev });
  }
  if (spec.bridge) {
    const libvirtBridge = spec.forwardMode !== "bridge";
    xmlAppend(root, "bridge", {
      name: spec.bridge,
      stp: libvirtBridge ? "on" : undefined,
      delay: libvirtBridge ? 0 : undefined,
    });
  }
  if (spec.mtu !== undefined) xmlAppend(root, "mtu", { size: spec.mtu });
  if (spec.domain) xmlAppend(root, "domain", { name: spec.domain, localOnly: "yes" });
  for (const ip of spec.ips) {
    const el = xmlAppend(root, "ip", {
      family: ip.family === "ipv6" ? "ipv6" : undefined,
      address: ip.address,
      prefix: ip.prefix,
    });
    if (!ip.dhcp && !ip.hosts.length) continue;
    const dhcp = xmlAppend(el, "dhcp");
    if (ip.dhcp) xmlAppend(dhcp, "range", { start: ip.dhcp.start, end: ip.dhcp.end });
    for (const h of ip.hosts) xmlAppend(dhcp, "host", { mac: h.mac, name: h.name, ip: h.ip });
  }
}

/**
 * A validated create request (lib/contracts/network.ts) as network XML, through the DOM: every name
 * and address is an attribute or text node, never spliced into markup.
 */
export function networkXmlBuild(spec: NetworkSpec): string {
  const { root } = xmlNewDocument("network");
  xmlAppend(root, "name", {}, spec.name);
  appendSpec(root, spec);
  return xmlSerialize(root);
}

/**
 * Read-modify-write of a stored (inactive) definition: the elements a spec decides (forward, bridge,
 * mtu, domain, ip) are replaced by the spec's; name, uuid, mac, dns and anything else libvirt keeps stay.
 * A NAT/routed/isolated spec without a bridge name keeps the bridge libvirt chose.
 */
export function networkXmlEdit(inactiveXml: string, spec: NetworkSpec): string {
  const { root } = xmlParseDocument(inactiveXml, "network");
  const oldMode = attr(child(root, "forward"), "mode");
  const libvirtOwned = oldMode !== "bridge" && !MACVTAP_MODES.some((m) => m === oldMode);
  const keptBridge = spec.forwardMode !== "bridge" && !spec.bridge && libvirtOwned ? child(root, "bridge") : undefined;
  for (const tag of MANAGED) for (const el of children(root, tag)) if (el !== keptBridge) xmlRemove(el);
  appendSpec(root, spec);
  return xmlSerialize(root);
}
