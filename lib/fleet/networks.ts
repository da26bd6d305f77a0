import "server-only";
import { z } from "zod";
import { authorizeOrThrow, visibility, visibilityHosts } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { auditRecord } from "@/lib/audit/audit";
import {
  NetworkNameSchema,
  NetworkSpecSchema,
  type NetworkLease,
  type NetworkSpecInput,
  type NetworkView,
} from "@/lib/contracts/network";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import { networkXmlBuild, type NetworkWire } from "@/lib/libvirt/network-xml";
import { hostsList, type HostView } from "@/lib/fleet/hosts";
import { hostClient } from "@/lib/fleet/runtime";
import {
  networkActiveUsers,
  networkAutostartSet,
  networkDefine,
  networkDhcpLeases,
  networkDhcpLeasesMany,
  networkGetMany,
  networkList,
  networkStart,
  networkStop,
  networkUndefine,
} from "@/lib/virt/network";

/**
 * Virtual networks of the fleet. Every function checks its caller: `host.view` at the host to list
 * networks and leases, `network.manage` at the host (or globally) to change anything; each change
 * is audited. Networks are addressed by name; names are validated before they reach virsh.
 */

export type { NetworkView, NetworkLease } from "@/lib/contracts/network";

const denied = (caller: Caller, method: string, path: string) => ({ ip: caller.ip, method, path });

/** The host client networks use: virsh refusals answer 502 host_error naming the host. */
async function networkClient(hostId: string): Promise<HostClient<HostView>> {
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "No such host");
  return hostClient(hostId, { commandErrorCode: "host_error" });
}

async function manage(caller: Caller, hostId: string, what: string): Promise<HostClient<HostView>> {
  await authorizeOrThrow(caller.principal, "network.manage", { hostId }, denied(caller, "POST", what));
  return networkClient(hostId);
}

function view(host: HostView, w: NetworkWire, state: Omit<NetworkView, keyof NetworkWireView>): NetworkView {
  return {
    hostId: host.id,
    hostName: host.name,
    name: w.name,
    uuid: w.uuid ?? null,
    forwardMode: w.forwardMode ?? null,
    bridge: w.bridge ?? null,
    devices: w.devices,
    mtu: w.mtu ?? null,
    domain: w.domain ?? null,
    ips: w.ips,
    ...state,
  };
}
type NetworkWireView = Pick<
  NetworkView,
  "hostId" | "hostName" | "name" | "uuid" | "forwardMode" | "bridge" | "devices" | "mtu" | "domain" | "ips"
>;

async function networksOf(client: HostClient<HostView>): Promise<NetworkView[]> {
  const listed = await networkList({ host: client });
  const wires = await networkGetMany({ host: client, names: listed.map((n) => n.name) });
  const withDhcp = listed.filter((n, i) => n.active && wires[i]?.dhcp).map((n) => n.name);
  const leases = await networkDhcpLeasesMany({ host: client, names: withDhcp });
  const leaseCount = new Map(withDhcp.map((n, i) => [n, leases[i]?.length ?? null]));
  const out = listed.flatMap((n, i) => {
    const w = wires[i];
    if (!w) return [];
    const { name: _n, ...state } = n;
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

/** The networks of every online host the caller may see; hosts that fail are reported, not fatal. */
export async function networkListFleet(
  caller: Caller,
): Promise<{ networks: NetworkView[]; errors: { hostId: string; hostName: string; message: string }[] }> {
  const hosts = await hostsList(visibilityHosts(await visibility(caller.principal, "host.view")));
  const results = await Promise.allSettled(
    hosts
      .filter((h) => h.status === "online")
      .map(async (h) => ({ h, nets: await networksOf(await networkClient(h.id)) })),
  );
  const networks: NetworkView[] = [];
  const errors: { hostId: string; hostName: string; message: string }[] = [];
  const online = hosts.filter((h) => h.status === "online");
  results.forEach((r, i) => {
    if (r.status === "fulfilled") networks.push(...r.value.nets);
    else errors.push({ hostId: online[i]!.id, hostName: online[i]!.name, message: (r.reason as Error).message });
  });
  return { networks, errors };
}

async function audit(caller: Caller, host: HostView, action: string, name: string, details: object = {}) {
  await auditRecord({
    actor: caller.actor,
    action,
    target: { type: "network", id: `${host.id}/${name}`, name },
    ip: caller.ip,
    details: { hostId: host.id, ...details },
  });
}

/** Defines a network from the wizard's request, then autostarts and starts it when asked. */
export async function networkCreate(caller: Caller, hostId: string, input: NetworkSpecInput): Promise<NetworkView> {
  const client = await manage(caller, hostId, `/api/hosts/${hostId}/networks`);
  const spec = NetworkSpecSchema.parse(input);
  if ((await networkList({ host: client })).some((n) => n.name === spec.name))
    throw new AppError("conflict", `A network named ${spec.name} already exists on this host`);
  await networkDefine({ host: client, xml: networkXmlBuild(spec) });
  await audit(caller, client.host, "network.create", spec.name, { forwardMode: spec.forwardMode });
  if (spec.autostart) await networkAutostartSet({ host: client, name: spec.name, autostart: true });
  if (spec.start) await networkStart({ host: client, name: spec.name });
  const created = (await networksOf(client)).find((n) => n.name === spec.name);
  if (!created) throw new AppError("host_error", `The network ${spec.name} vanished after it was defined`);
  return created;
}

export const NetworkActionSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("start") }),
  z.object({ action: z.literal("stop") }),
  z.object({ action: z.literal("autostart"), autostart: z.boolean() }),
]);
export type NetworkAction = z.infer<typeof NetworkActionSchema>;

/** Start, stop, or set autostart of one network. */
export async function networkAct(caller: Caller, hostId: string, name: string, action: NetworkAction): Promise<void> {
  const client = await manage(caller, hostId, `/api/hosts/${hostId}/networks/${name}`);
  const n = NetworkNameSchema.parse(name);
  if (action.action === "start") await networkStart({ host: client, name: n });
  else if (action.action === "stop") await networkStop({ host: client, name: n });
  else await networkAutostartSet({ host: client, name: n, autostart: action.autostart });
  await audit(
    caller,
    client.host,
    `network.${action.action}`,
    n,
    action.action === "autostart" ? { autostart: action.autostart } : {},
  );
}

/** Deletes a network (stops it first when active); refused while a running VM uses it, naming the VMs. */
export async function networkDelete(caller: Caller, hostId: string, name: string): Promise<void> {
  const client = await manage(caller, hostId, `/api/hosts/${hostId}/networks/${name}`);
  const n = NetworkNameSchema.parse(name);
  const listed = (await networkList({ host: client })).find((x) => x.name === n);
  if (!listed) throw new AppError("not_found", `No network named ${n} on this host`);
  const users = await networkActiveUsers({ host: client, name: n });
  if (users.length)
    throw new AppError("conflict", `The network ${n} is in use by running VMs: ${users.map((u) => u.name).join(", ")}`);
  if (listed.active) await networkStop({ host: client, name: n });
  if (listed.persistent) await networkUndefine({ host: client, name: n });
  await audit(caller, client.host, "network.delete", n);
}

/** The current DHCP leases of one network (host.view there). */
export async function networkLeases(caller: Caller, hostId: string, name: string): Promise<NetworkLease[]> {
  await authorizeOrThrow(caller.principal, "host.view", { hostId });
  const n = NetworkNameSchema.parse(name);
  return networkDhcpLeases({ host: await networkClient(hostId), name: n });
}
