import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { parseDomainXml } from "@/lib/libvirt/domain-xml-parse";
import { virshIfaceNames, virshNames, virshUuids } from "@/lib/libvirt/names-parse";
import { parseNetDhcpLeases, type LeaseWire } from "@/lib/libvirt/net-leases-parse";
import { parseNetworkXml, type NetworkWire } from "@/lib/libvirt/network-xml";

/**
 * libvirt virtual networks (`net-list`, `net-dumpxml`, `net-define`, `net-start`, `net-destroy`,
 * `net-autostart`, `net-undefine`, `net-dhcp-leases`).
 * https://libvirt.org/formatnetwork.html
 */

type Host = { host: HostClient };
type Named = Host & { name: string };

export interface NetworkListed {
  name: string;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
}

const names = (flag?: string) => ({
  command: "net-list" as const,
  args: [...(flag ? [{ flag }] : []), { flag: "--name" }],
});

/** Every network's name (active or not), with whether it is active, autostarted and persistent. */
export async function networkList({ host }: Host): Promise<NetworkListed[]> {
  const [all, active, autostart, persistent] = await host.virsh(
    names("--all"),
    names(),
    { command: "net-list", args: [{ flag: "--all" }, { flag: "--autostart" }, { flag: "--name" }] },
    { command: "net-list", args: [{ flag: "--all" }, { flag: "--persistent" }, { flag: "--name" }] },
  );
  const sets = [active, autostart, persistent].map((out) => new Set(virshNames(out)));
  return virshNames(all).map((name) => ({
    name,
    active: sets[0]!.has(name),
    autostart: sets[1]!.has(name),
    persistent: sets[2]!.has(name),
  }));
}

/** `net-dumpxml` (live, or persistent with `inactive`). */
export async function networkXmlGet({ host, name, inactive }: Named & { inactive?: boolean }): Promise<string> {
  const [xml] = await host.virsh({
    command: "net-dumpxml",
    args: [{ arg: name }, ...(inactive ? [{ flag: "--inactive" }] : [])],
  });
  return xml;
}

/** One network, parsed. */
export async function networkGet({ host, name }: Named): Promise<NetworkWire> {
  return parseNetworkXml(await networkXmlGet({ host, name }));
}

/** Several networks parsed in one batch; one that vanished meanwhile is null. */
export async function networkGetMany({ host, names: list }: Host & { names: readonly string[] }) {
  if (!list.length) return [];
  const xmls = await host.virshTry(...list.map((n) => ({ command: "net-dumpxml" as const, args: [{ arg: n }] })));
  return xmls.map((r) => (r.ok ? parseNetworkXml(r.stdout) : null));
}

/** `net-define` from XML on stdin (one-shot: the XML never is on a command line). */
export async function networkDefine({ host, xml }: Host & { xml: string }): Promise<void> {
  await host.virshExec({ command: "net-define", args: [{ arg: "/dev/stdin" }] }, { stdin: xml, timeoutMs: 30_000 });
}

/** `net-start`: creates the bridge, addresses and dnsmasq of a defined network. */
export async function networkStart({ host, name }: Named): Promise<void> {
  await host.virsh({ command: "net-start", args: [{ arg: name }] });
}

/** `net-destroy`: stops an active network (guests on it lose connectivity). */
export async function networkStop({ host, name }: Named): Promise<void> {
  await host.virsh({ command: "net-destroy", args: [{ arg: name }] });
}

export async function networkAutostartSet({ host, name, autostart }: Named & { autostart: boolean }): Promise<void> {
  await host.virsh({
    command: "net-autostart",
    args: [{ arg: name }, ...(autostart ? [] : [{ flag: "--disable" }])],
  });
}

/** `net-undefine`: forgets the persistent definition (an active network keeps running as transient). */
export async function networkUndefine({ host, name }: Named): Promise<void> {
  await host.virsh({ command: "net-undefine", args: [{ arg: name }] });
}

/** The network's current DHCP leases (`net-dhcp-leases`); empty for a network without DHCP. */
export async function networkDhcpLeases({ host, name }: Named): Promise<LeaseWire[]> {
  const [out] = await host.virsh({ command: "net-dhcp-leases", args: [{ arg: name }] });
  return parseNetDhcpLeases(out);
}

/** Leases of several networks in one batch; null where virsh refused (inactive network, no DHCP). */
export async function networkDhcpLeasesMany({ host, names: list }: Host & { names: readonly string[] }) {
  if (!list.length) return [];
  const outs = await host.virshTry(...list.map((n) => ({ command: "net-dhcp-leases" as const, args: [{ arg: n }] })));
  return outs.map((r) => (r.ok ? parseNetDhcpLeases(r.stdout) : null));
}

/** The active (running or paused) domains with an interface on the network. */
export async function networkActiveUsers({ host, name }: Named): Promise<{ uuid: string; name: string }[]> {
  const [listed] = await host.virsh({ command: "list", args: [{ flag: "--uuid" }] });
  const uuids = virshUuids(listed);
  if (!uuids.length) return [];
  const xmls = await host.virshTry(...uuids.map((uuid) => ({ command: "dumpxml" as const, args: [{ domain: uuid }] })));
  return xmls.flatMap((r) => {
    if (!r.ok) return [];
    const d = parseDomainXml(r.stdout);
    return d.interfaces.some((i) => i.type === "network" && i.source?.network === name)
      ? [{ uuid: d.uuid, name: d.name }]
      : [];
  });
}

/** The host's interfaces (NICs, bridges) by name, as libvirt's interface driver sees them (`iface-list --all`). */
export async function hostInterfaceNames({ host }: Host): Promise<string[]> {
  const [out] = await host.virsh({ command: "iface-list", args: [{ flag: "--all" }] });
  return virshIfaceNames(out);
}

/**
 * Adds (or deletes) one static DHCP host entry of a network's first IPv4 range (`net-update ... ip-dhcp-host`,
 * the `<host>` XML on stdin): in the stored definition, and in the running network too when `live`.
 */
export async function networkDhcpHostUpdate({
  host,
  name,
  op,
  xml,
  live,
}: Named & { op: "add" | "delete"; xml: string; live: boolean }): Promise<void> {
  await host.virshExec(
    {
      command: "net-update",
      args: [
        { arg: name },
        { arg: op },
        { arg: "ip-dhcp-host" },
        { arg: "/dev/stdin" },
        { flag: "--config" },
        ...(live ? [{ flag: "--live" }] : []),
      ],
    },
    { stdin: xml, timeoutMs: 30_000 },
  );
}
