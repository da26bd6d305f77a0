import "server-only";
import type { Element } from "@xmldom/xmldom";
import { attr, child, children, path, parseXmlRoot, text } from "./xml";

/** `virsh net-dumpxml` -> the facts a network list shows. https://libvirt.org/formatnetwork.html */
export interface NetworkWire {
  name: string;
  uuid?: string;
  /** nat | route | open | bridge | ... ; undefined: an isolated network. */
  forwardMode?: string;
  bridge?: string;
  /** IPv4/IPv6 addresses of the host side, as "address/prefix". */
  addresses: string[];
  dhcp: boolean;
}

function prefixOf(ip: Element): string {
  const prefix = attr(ip, "prefix");
  if (prefix) return prefix;
  const mask = attr(ip, "netmask");
  if (!mask) return "";
  return String(mask.split(".").reduce((n, o) => n + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0));
}

export function parseNetworkXml(xml: string): NetworkWire {
  const net = parseXmlRoot(xml, "network");
  const ips = children(net, "ip");
  return {
    name: text(child(net, "name"))?.trim() ?? "",
    uuid: text(child(net, "uuid"))?.trim(),
    forwardMode: child(net, "forward") ? (attr(child(net, "forward"), "mode") ?? "nat") : undefined,
    bridge: attr(child(net, "bridge"), "name"),
    addresses: ips.flatMap((ip) => {
      const a = attr(ip, "address");
      const p = prefixOf(ip);
      return a ? [p ? `${a}/${p}` : a] : [];
    }),
    dhcp: ips.some((ip) => path(ip, "dhcp") !== undefined),
  };
}
