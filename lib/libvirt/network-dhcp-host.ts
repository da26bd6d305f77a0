import "server-only";
import { ipv4ToBig, subnetBounds } from "@/lib/contracts/network";
import type { NetworkWire } from "./network-xml";
import { xmlNewDocument, xmlSerialize } from "./xml-build";

/** The `<host mac ip [name]/>` of a static DHCP entry (`net-update ... ip-dhcp-host`), built with the DOM. */
export function dhcpHostXmlBuild({ mac, ip, name }: { mac: string; ip: string; name?: string }): string {
  const { doc, root } = xmlNewDocument("host");
  root.setAttribute("mac", mac);
  if (name) root.setAttribute("name", name);
  root.setAttribute("ip", ip);
  return xmlSerialize(doc);
}

/**
 * Why `ip` cannot be a static DHCP address for `mac` on the network, or null when it can: the network
 * must serve DHCP on an IPv4 subnet holding the address; the address must be a host address of that
 * subnet other than the network's own, and neither it nor the MAC may have an entry already, nor may
 * another MAC hold a lease on it. libvirt's net-update only takes a host entry on the first IPv4 <ip>
 * (without --parent-index), so that is the subnet checked.
 */
export function staticLeaseProblem(
  net: NetworkWire,
  lease: { mac: string; ip: string },
  leases: readonly { mac: string; address: string }[] = [],
): string | null {
  const a = ipv4ToBig(lease.ip);
  if (a === null) return "an IPv4 address looks like 192.168.100.20";
  const ip = net.ips.find((x) => x.family === "ipv4");
  if (!ip || ip.prefix === null || !ip.dhcpRanges.length)
    return `the network ${net.name} has no DHCP on an IPv4 subnet`;
  const b = subnetBounds("ipv4", ip.address, ip.prefix)!;
  const subnet = `${ip.address}/${ip.prefix}`;
  if (a < b.first || a > b.last) return `${lease.ip} is outside ${subnet}, the DHCP subnet of ${net.name}`;
  if (ip.prefix < 31 && (a === b.first || a === b.last))
    return `${lease.ip} is the network or broadcast address of ${subnet}`;
  if (a === ipv4ToBig(ip.address)) return `${lease.ip} is the address of the network ${net.name} itself`;
  const byIp = ip.hosts.find((h) => h.ip === lease.ip);
  if (byIp)
    return `${lease.ip} is already the static address of ${byIp.mac ?? byIp.name ?? "another host"} on ${net.name}`;
  if (ip.hosts.some((h) => h.mac?.toLowerCase() === lease.mac.toLowerCase()))
    return `${lease.mac} already has a static address on ${net.name}`;
  const leased = leases.find((l) => l.address === lease.ip && l.mac.toLowerCase() !== lease.mac.toLowerCase());
  if (leased) return `${lease.ip} is leased to ${leased.mac} on ${net.name} right now`;
  return null;
}
