import "server-only";
import { auditBy } from "@/lib/audit/audit";
import { authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import {
  NetworkSpecSchema,
  subnetBounds,
  type NetworkAction,
  type NetworkSpec,
  type NetworkView,
} from "@/lib/contracts/network";
import type { HostClient } from "@/lib/hosts/client";
import { AppError, fromZodError, type FieldIssue } from "@/lib/http/errors";
import { networkXmlBuild, networkXmlEdit } from "@/lib/libvirt/network-xml";
import type { HostView } from "@/lib/fleet/hosts";
import { networkClient, networkNameOf, networksOf } from "@/lib/fleet/networks";
import {
  hostInterfaceNames,
  networkActiveUsers,
  networkAutostartSet,
  networkDefine,
  networkList,
  networkStart,
  networkStop,
  networkUndefine,
  networkXmlGet,
} from "@/lib/virt/network";

/**
 * Changes to virtual networks: create (define, then autostart/start), edit (read-modify-write of the
 * stored definition), start, stop, autostart, delete. `network.manage` at the host or globally; every
 * change is audited. Bad input is refused naming the field before anything reaches the host.
 */

async function manage(caller: Caller, hostId: string): Promise<HostClient<HostView>> {
  await authorizeOrThrow(caller.principal, "network.manage", { hostId });
  return networkClient(hostId);
}

function specOf(input: unknown): NetworkSpec {
  const parsed = NetworkSpecSchema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

const invalid = (issues: FieldIssue[]) =>
  new AppError("invalid_input", `${issues[0]!.path}: ${issues[0]!.message}`, { issues });

/** Subnets of the spec that overlap a subnet of another network of the host. */
function subnetIssues(spec: NetworkSpec, others: NetworkView[]): FieldIssue[] {
  const issues: FieldIssue[] = [];
  spec.ips.forEach((ip, i) => {
    const b = subnetBounds(ip.family, ip.address, ip.prefix);
    if (!b) return;
    for (const n of others)
      for (const o of n.ips) {
        const ob = o.prefix === null ? null : subnetBounds(o.family, o.address, o.prefix);
        if (ob && o.family === ip.family && b.first <= ob.last && ob.first <= b.last)
          issues.push({ path: `ips.${i}.address`, message: `overlaps ${o.address}/${o.prefix} of network ${n.name}` });
      }
  });
  return issues;
}

/**
 * What only the host can tell: an address range used by another network of the host; a host bridge
 * or interface to attach to that does not exist; a bridge for libvirt to create that another network
 * or a host interface already has (`ownBridge`: the edited network's own, which exists while it runs).
 */
async function hostIssues(client: HostClient<HostView>, spec: NetworkSpec, others: NetworkView[], ownBridge?: string) {
  const issues = subnetIssues(spec, others);
  const libvirtBridge = spec.forwardMode !== "bridge" && spec.forwardMode !== "macvtap" ? spec.bridge : undefined;
  const taken = others.find((n) => libvirtBridge && n.bridge === libvirtBridge);
  if (taken) issues.push({ path: "bridge", message: `already the bridge of network ${taken.name}` });
  const wanted: { path: string; name: string }[] = [];
  if (spec.forwardMode === "bridge" && spec.bridge) wanted.push({ path: "bridge", name: spec.bridge });
  if (spec.dev) wanted.push({ path: "dev", name: spec.dev });
  if (wanted.length || (libvirtBridge && !taken && libvirtBridge !== ownBridge)) {
    const present = new Set(await hostInterfaceNames({ host: client }));
    for (const w of wanted)
      if (!present.has(w.name))
        issues.push({ path: w.path, message: `${client.host.name} has no interface ${w.name}` });
    if (libvirtBridge && !taken && libvirtBridge !== ownBridge && present.has(libvirtBridge))
      issues.push({ path: "bridge", message: `${client.host.name} already has an interface ${libvirtBridge}` });
  }
  if (issues.length) throw invalid(issues);
}

async function audit(caller: Caller, host: HostView, action: string, name: string, details: object = {}) {
  await auditBy(caller, {
    action,
    target: { type: "network", id: `${host.id}/${name}`, name },
    details: { hostId: host.id, ...details },
  });
}

async function found(client: HostClient<HostView>, name: string): Promise<NetworkView> {
  const net = (await networksOf(client)).find((n) => n.name === name);
  if (!net) throw new AppError("not_found", `No network named ${name} on ${client.host.name}`);
  return net;
}

/** Defines a network from the wizard's request, then autostarts and starts it when asked; a failed start undefines it. */
export async function networkCreate(caller: Caller, hostId: string, input: unknown): Promise<NetworkView> {
  const client = await manage(caller, hostId);
  const spec = specOf(input);
  const existing = await networksOf(client);
  if (existing.some((n) => n.name === spec.name))
    throw new AppError("conflict", `name: a network named ${spec.name} already exists on ${client.host.name}`, {
      issues: [{ path: "name", message: "already exists on this host" }],
    });
  await hostIssues(client, spec, existing);
  await networkDefine({ host: client, xml: networkXmlBuild(spec) });
  try {
    if (spec.autostart) await networkAutostartSet({ host: client, name: spec.name, autostart: true });
    if (spec.start) await networkStart({ host: client, name: spec.name });
  } catch (err) {
    await networkUndefine({ host: client, name: spec.name }).catch(() => undefined);
    throw err;
  }
  await audit(caller, client.host, "network.create", spec.name, {
    forwardMode: spec.forwardMode,
    start: spec.start,
    autostart: spec.autostart,
  });
  return found(client, spec.name);
}

/**
 * Rewrites a network's stored definition from a full spec (same rules as create; the name cannot
 * change). A running network keeps its old settings until it is restarted: `appliesAfterRestart`.
 */
export async function networkEdit(
  caller: Caller,
  hostId: string,
  name: string,
  input: unknown,
): Promise<{ network: NetworkView; appliesAfterRestart: boolean }> {
  const client = await manage(caller, hostId);
  const n = networkNameOf(name);
  const spec = specOf(input);
  if (spec.name !== n) throw invalid([{ path: "name", message: "a network cannot be renamed" }]);
  const all = await networksOf(client);
  const current = all.find((x) => x.name === n);
  if (!current) throw new AppError("not_found", `No network named ${n} on ${client.host.name}`);
  if (!current.persistent)
    throw new AppError("invalid_state", `The network ${n} is transient: it has no stored definition to edit`);
  await hostIssues(
    client,
    spec,
    all.filter((x) => x.name !== n),
    current.bridge ?? undefined,
  );
  const xml = networkXmlEdit(await networkXmlGet({ host: client, name: n, inactive: true }), spec);
  await networkDefine({ host: client, xml });
  await audit(caller, client.host, "network.edit", n, { forwardMode: spec.forwardMode, active: current.active });
  return { network: await found(client, n), appliesAfterRestart: current.active };
}

/** Refuses (409, naming them) while running VMs have a NIC on the network. */
async function unusedCheck(client: HostClient<HostView>, name: string, what: "stop" | "delete"): Promise<void> {
  const users = await networkActiveUsers({ host: client, name });
  if (users.length)
    throw new AppError(
      "conflict",
      `The network ${name} is used by running VMs: ${users.map((u) => u.name).join(", ")}${what === "stop" ? " (stop them first, or stop the network anyway with force)" : ""}`,
      { data: { vms: users } },
    );
}

/** Start, stop (refused while running VMs use it, unless forced), or set autostart of one network. */
export async function networkAct(
  caller: Caller,
  hostId: string,
  name: string,
  action: NetworkAction,
): Promise<NetworkView> {
  const client = await manage(caller, hostId);
  const n = networkNameOf(name);
  const listed = await found(client, n);
  if (action.action === "start") {
    if (listed.active) throw new AppError("invalid_state", `The network ${n} is already active`);
    await networkStart({ host: client, name: n });
  } else if (action.action === "stop") {
    if (!listed.active) throw new AppError("invalid_state", `The network ${n} is not active`);
    if (!action.force) await unusedCheck(client, n, "stop");
    await networkStop({ host: client, name: n });
  } else {
    if (!listed.persistent) throw new AppError("invalid_state", `The transient network ${n} cannot autostart`);
    await networkAutostartSet({ host: client, name: n, autostart: action.autostart });
  }
  const details =
    action.action === "autostart"
      ? { autostart: action.autostart }
      : action.action === "stop" && action.force
        ? { force: true }
        : {};
  await audit(caller, client.host, `network.${action.action}`, n, details);
  return found(client, n);
}

/** Deletes a network (stops it first when active); refused while a running VM uses it, naming the VMs. */
export async function networkDelete(caller: Caller, hostId: string, name: string): Promise<void> {
  const client = await manage(caller, hostId);
  const n = networkNameOf(name);
  const listed = (await networkList({ host: client })).find((x) => x.name === n);
  if (!listed) throw new AppError("not_found", `No network named ${n} on ${client.host.name}`);
  await unusedCheck(client, n, "delete");
  if (listed.active) await networkStop({ host: client, name: n });
  if (listed.persistent) await networkUndefine({ host: client, name: n });
  await audit(caller, client.host, "network.delete", n);
}
