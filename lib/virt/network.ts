import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { virshNames } from "@/lib/libvirt/names-parse";
import { parseNetworkXml, type NetworkWire } from "@/lib/libvirt/network-xml";

/** libvirt virtual networks (`net-list`, `net-dumpxml`). https://libvirt.org/formatnetwork.html */

type Host = { host: HostClient };

/** Every network's name (active or not), with whether it is active. */
export async function networkList({ host }: Host): Promise<{ name: string; active: boolean }[]> {
  const [all, active] = await host.virsh(
    { command: "net-list", args: [{ flag: "--all" }, { flag: "--name" }] },
    { command: "net-list", args: [{ flag: "--name" }] },
  );
  const activeSet = new Set(virshNames(active));
  return virshNames(all).map((name) => ({ name, active: activeSet.has(name) }));
}

/** `net-dumpxml` (live, or persistent with `inactive`). */
export async function networkXmlGet({
  host,
  name,
  inactive,
}: Host & { name: string; inactive?: boolean }): Promise<string> {
  const [xml] = await host.virsh({
    command: "net-dumpxml",
    args: [{ arg: name }, ...(inactive ? [{ flag: "--inactive" }] : [])],
  });
  return xml;
}

/** One network, parsed. */
export async function networkGet({ host, name }: Host & { name: string }): Promise<NetworkWire> {
  return parseNetworkXml(await networkXmlGet({ host, name }));
}
