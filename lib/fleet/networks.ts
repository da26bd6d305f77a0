import "server-only";
import { z } from "zod";
import { authorizeOrThrow, visibility, visibilityHosts } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { NetworkNameSchema, type NetworkLease, type NetworkView } from "@/lib/contracts/network";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import type { NetworkWire } from "@/lib/libvirt/network-xml";
import { hostsList, type HostView } from "@/lib/fleet/hosts";
import { hostClient } from "@/lib/fleet/runtime";
import { networkDhcpLeases, networkDhcpLeasesMany, networkGetMany, networkList } from "@/lib/virt/network";

/**
 * Virtual networks of the fleet, read side: per host and fleet-wide lists (with lease counts) and the
 * DHCP leases of one network. `host.view` at the host; changes are in network-changes.ts.
 */

export type { NetworkView, NetworkLease } from "@/lib/contracts/network";

/** The host client networks use: virsh refusals answer 502 host_error naming the host. */
export async function networkClient(hostId: string): Promise<HostClient<HostView>> {
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "No such host");
  return hostClient(hostId, { commandErrorCode: "host_error" });
}

/** A network name from a path: one that virsh could misread names nothing (404). */
export function networkNameOf(name: string): string {
  const parsed = NetworkNameSchema.safeParse(name);
  if (!parsed.success) throw new AppError("not_found", "No such network");
  return parsed.data;
}

type ListedState = Pick<NetworkView, "active" | "autostart" | "persistent" | "leaseCount">;

function view(host: HostView, w: NetworkWire, state: ListedState): NetworkView {
  return {
    hostId: host.id,
    hostName: host.name,
    name: w.name,
    uuid: w.uuid ?? null,
    forwardMode: w.forwardMode ?? null,
    bridge: w.bridge ?? null,
    dev: w.forwardDev ?? null,
    devices: w.devices,
    mtu: w.mtu ?? null,
    domain: w.domain ?? null,
    ips: w.ips,
    ...state,
  };
}

/** Every network of a host (active or not), sorted by name, with the lease count of active DHCP ones. */
export async function networksOf(client: HostClient<HostView>): Promise<NetworkView[]> {
  const listed = await networkList({ host: client });
  const wires = await networkGetMany({ host: client, names: listed.map((n) => n.name) });
  const withDhcp = listed.filter((n, i) => n.active && wires[i]?.dhcp).map((n) => n.name);
  const leases = await networkDhcpLeasesMany({ host: client, names: withDhcp });
  const leaseCount = new Map(withDhcp.map((n, i) => [n, leases[i]?.length ?? null]));
  const out = listed.flatMap((n, i) => {
    const w = wires[i];
    if (!w) return [];
    const state = { active: n.active, autostart: n.autostart, persistent: n.persistent };
    return [
      view(client.host, { ...w, name: w.name || n.name }, { ...state, leaseCount: leaseCount.get(n.name) ?? null }),
    ];
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** The networks of one host (host.view there). */
export async function networkListHost(caller: Caller, hostId: string): Promise<NetworkView[]> {
  await authorizeOrThrow(caller.principal, "host.view", { hostId });
  return networksOf(await networkClient(hostId));
}

export interface FleetNetworks {
  networks: NetworkView[];
  errors: { hostId: string; hostName: string; message: string }[];
}

/** The networks of every online host the caller may see; a host that fails is reported, not fatal. */
export async function networkListFleet(caller: Caller): Promise<FleetNetworks> {
  const hosts = await hostsList(visibilityHosts(await visibility(caller.principal, "host.view")));
  const online = hosts.filter((h) => h.status === "online");
  const results = await Promise.allSettled(online.map(async (h) => networksOf(await networkClient(h.id))));
  const out: FleetNetworks = { networks: [], errors: [] };
  results.forEach((r, i) => {
    if (r.status === "fulfilled") out.networks.push(...r.value);
    else out.errors.push({ hostId: online[i]!.id, hostName: online[i]!.name, message: (r.reason as Error).message });
  });
  return out;
}

/** The current DHCP leases of one network (host.view there); 404 when the host has no such network. */
export async function networkLeases(caller: Caller, hostId: string, name: string): Promise<NetworkLease[]> {
  await authorizeOrThrow(caller.principal, "host.view", { hostId });
  const n = networkNameOf(name);
  const client = await networkClient(hostId);
  const listed = (await networkList({ host: client })).find((x) => x.name === n);
  if (!listed) throw new AppError("not_found", `No network named ${n} on ${client.host.name}`);
  if (!listed.active) return [];
  return networkDhcpLeases({ host: client, name: n });
}
