import "server-only";
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/http/errors";
import { dhcpHostXmlBuild, staticLeaseProblem } from "@/lib/libvirt/network-dhcp-host";
import { parseNetworkXml } from "@/lib/libvirt/network-xml";
import { networkDhcpHostUpdate, networkDhcpLeases, networkList, networkXmlGet } from "@/lib/virt/network";
import type { StaticLease } from "@/lib/contracts/provisioning";
import type { ProvHost } from "./host-access";

/**
 * A static DHCP address for a VM created from a template: the NIC of the template on the chosen network
 * gets a MAC (its own, or a new one), and the network a host entry MAC -> IP (`net-update add
 * ip-dhcp-host`, in the running network and its definition), checked first against the network's DHCP
 * subnet, its entries and its current leases. Added before the VM is defined, taken back if that fails.
 */

export interface StaticLeasePlan {
  network: string;
  mac: string;
  ip: string;
  /** The network runs: the entry goes into the running dnsmasq too. */
  live: boolean;
}

const refuse = (path: "network" | "ip", message: string) =>
  new AppError("invalid_input", `staticLease.${path}: ${message}`, {
    issues: [{ path: `staticLease.${path}`, message }],
  });

function randomMac(): string {
  return `52:54:00:${[...randomBytes(3)].map((x) => x.toString(16).padStart(2, "0")).join(":")}`;
}

/** Checks the lease against the host's network and gives the NICs with the MAC it is for. */
export async function staticLeasePrepare<N extends { kind: string; source: string; mac?: string }>(
  h: ProvHost,
  lease: StaticLease,
  nics: readonly N[],
): Promise<{ plan: StaticLeasePlan; nics: N[] }> {
  const i = nics.findIndex((n) => n.kind === "network" && n.source === lease.network);
  if (i < 0) throw refuse("network", `the template has no NIC on the network ${lease.network}`);
  const listed = (await networkList({ host: h })).find((n) => n.name === lease.network);
  if (!listed) throw refuse("network", `${h.host.name} has no network ${lease.network}`);
  if (!listed.persistent)
    throw refuse("network", `the network ${lease.network} is transient: it keeps no host entries`);
  const mac = nics[i]!.mac || randomMac();
  // The stored definition takes the entry; a running network also gets it live, so both are checked.
  const stored = parseNetworkXml(await networkXmlGet({ host: h, name: lease.network, inactive: true }));
  const leases = listed.active ? await networkDhcpLeases({ host: h, name: lease.network }).catch(() => []) : [];
  const problem =
    staticLeaseProblem(stored, { mac, ip: lease.ip }, leases) ??
    (listed.active
      ? staticLeaseProblem(parseNetworkXml(await networkXmlGet({ host: h, name: lease.network })), {
          mac,
          ip: lease.ip,
        })
      : null);
  if (problem) throw refuse(problem.includes("has no DHCP") ? "network" : "ip", problem);
  return {
    plan: { network: lease.network, mac, ip: lease.ip, live: listed.active },
    nics: nics.map((n, j) => (j === i ? { ...n, mac } : n)),
  };
}

const entryOf = (p: StaticLeasePlan) => dhcpHostXmlBuild({ mac: p.mac, ip: p.ip });

export async function staticLeaseAdd(h: ProvHost, p: StaticLeasePlan): Promise<void> {
  await networkDhcpHostUpdate({ host: h, name: p.network, op: "add", xml: entryOf(p), live: p.live });
}

/** Takes the entry back (the VM could not be created); never throws. */
export async function staticLeaseRemoveQuiet(h: ProvHost, p: StaticLeasePlan): Promise<void> {
  await networkDhcpHostUpdate({ host: h, name: p.network, op: "delete", xml: entryOf(p), live: p.live }).catch(
    () => undefined,
  );
}
