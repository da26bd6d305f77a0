import "server-only";
import { auditBy } from "@/lib/audit/audit";
import { authorizeOrThrow, privilegesAt } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import {
  DEFAULT_NETWORK_NAME,
  DEFAULT_POOL_NAME,
  POOL_MIN_FREE_BYTES,
  type HostReadiness,
  type PoolFix,
  type ReadinessCheck,
} from "@/lib/contracts/host-readiness";
import type { HostClient } from "@/lib/hosts/client";
import { AppError } from "@/lib/http/errors";
import { parseDomCapabilities } from "@/lib/libvirt/domcapabilities-parse";
import { poolXmlBuild } from "@/lib/libvirt/pool-xml";
import type { HostView } from "@/lib/fleet/hosts";
import { networkClient } from "@/lib/fleet/networks";
import { networkAutostartSet, networkList, networkStart } from "@/lib/virt/network";
import { nodeDomainCapabilities } from "@/lib/virt/node";
import { hostBridgeNames, hostPathKind } from "@/lib/virt/host-facts";
import { poolAutostart, poolListDetailed, poolSetUp, poolStart } from "@/lib/virt/storage-pool";

/**
 * Host onboarding: what a host lacks for a first VM (an active storage pool with free space, an active
 * network or a host bridge, KVM, guest-agent channels), read in a few round trips, and the one-click
 * fixes: the `default` dir pool created (or started) and autostarted (`storage.manage`), the `default`
 * network started and autostarted (`network.manage`). `host.view` to read; every fix is audited.
 */

const GiB = 1024 ** 3;
const gib = (bytes: number) => Math.round((bytes / GiB) * 10) / 10;

function poolCheck(pools: Awaited<ReturnType<typeof poolListDetailed>>): ReadinessCheck {
  const active = pools.filter((p) => p.active).sort((a, b) => b.availableBytes - a.availableBytes);
  const best = active[0];
  if (best && best.availableBytes >= POOL_MIN_FREE_BYTES)
    return {
      id: "pool",
      ok: true,
      required: true,
      detail: { key: "detail.poolOk", params: { pool: best.name, freeGiB: gib(best.availableBytes) } },
      fix: null,
      canFix: false,
    };
  const dflt = pools.find((p) => p.name === DEFAULT_POOL_NAME);
  // The fix makes `default` usable: created when missing, started when it is only defined.
  const fix = !dflt || !dflt.active ? ("pool" as const) : null;
  const detail: ReadinessCheck["detail"] = best
    ? { key: "detail.poolFull", params: { pool: best.name, freeGiB: gib(best.availableBytes) } }
    : pools.length
      ? { key: "detail.poolInactive", params: { count: pools.length } }
      : { key: "detail.poolNone" };
  return { id: "pool", ok: false, required: true, detail, fix, canFix: false };
}

function networkCheck(nets: Awaited<ReturnType<typeof networkList>>, bridges: string[]): ReadinessCheck {
  const active = nets.filter((n) => n.active);
  if (active.length)
    return {
      id: "network",
      ok: true,
      required: true,
      detail: { key: "detail.networkOk", params: { network: active.map((n) => n.name).join(", ") } },
      fix: null,
      canFix: false,
    };
  if (bridges.length)
    return {
      id: "network",
      ok: true,
      required: true,
      detail: { key: "detail.bridgeOk", params: { bridge: bridges.join(", ") } },
      fix: null,
      canFix: false,
    };
  const dflt = nets.find((n) => n.name === DEFAULT_NETWORK_NAME);
  return {
    id: "network",
    ok: false,
    required: true,
    detail: dflt ? { key: "detail.networkInactive", params: { network: dflt.name } } : { key: "detail.networkNone" },
    fix: dflt ? "network" : null,
    canFix: false,
  };
}

/** KVM and guest-agent channels, from what QEMU and libvirt say they support (`domcapabilities`). */
function capabilityChecks(kvmCaps: string | null, qemuCaps: string | null): ReadinessCheck[] {
  const caps = kvmCaps ?? qemuCaps;
  let channel = false;
  try {
    channel = caps ? (parseDomCapabilities(caps).devices.channel?.enums.type ?? []).includes("unix") : false;
  } catch {
    channel = false;
  }
  return [
    {
      id: "kvm",
      ok: kvmCaps !== null,
      required: false,
      detail: { key: kvmCaps !== null ? "detail.kvmOk" : "detail.kvmMissing" },
      fix: null,
      canFix: false,
    },
    {
      id: "guestAgent",
      ok: channel,
      required: false,
      detail: { key: channel ? "detail.guestAgentOk" : "detail.guestAgentMissing" },
      fix: null,
      canFix: false,
    },
  ];
}

const FIX_PRIVILEGE = { pool: "storage.manage", network: "network.manage" } as const;

async function readinessOf(caller: Caller, client: HostClient<HostView>): Promise<HostReadiness> {
  const [held, pools, nets, bridges, kvmCaps, qemuCaps] = await Promise.all([
    privilegesAt(caller.principal, { hostId: client.host.id }),
    poolListDetailed({ host: client }),
    networkList({ host: client }),
    hostBridgeNames({ host: client }).catch(() => []),
    nodeDomainCapabilities({ host: client, virttype: "kvm" }),
    nodeDomainCapabilities({ host: client, virttype: "qemu" }),
  ]);
  const checks = [poolCheck(pools), networkCheck(nets, bridges), ...capabilityChecks(kvmCaps, qemuCaps)].map((c) => ({
    ...c,
    canFix: c.fix !== null && held.has(FIX_PRIVILEGE[c.fix]),
  }));
  return { hostId: client.host.id, ready: checks.every((c) => c.ok || !c.required), checks };
}

/** The host's setup checklist (`host.view` at the host). */
export async function hostReadiness(caller: Caller, hostId: string): Promise<HostReadiness> {
  await authorizeOrThrow(caller.principal, "host.view", { hostId });
  return readinessOf(caller, await networkClient(hostId));
}

const invalid = (path: string, message: string) =>
  new AppError("invalid_input", `${path}: ${message}`, { issues: [{ path, message }] });

/**
 * Makes the pool usable: a pool of that name that exists is started (and autostarted); otherwise a dir
 * pool is defined at `path` (a directory, or nothing yet: built then), built, started and autostarted.
 * A definition whose build or start fails is taken back.
 */
async function poolFix(client: HostClient<HostView>, name: string, path: string): Promise<Record<string, unknown>> {
  const pools = await poolListDetailed({ host: client });
  const existing = pools.find((p) => p.name === name);
  if (existing) {
    if (existing.active) throw new AppError("invalid_state", `The pool ${name} is already active`);
    await poolStart({ host: client, pool: name });
    await poolAutostart({ host: client, pool: name, autostart: true });
    return { pool: name, started: true };
  }
  const other = pools.find((p) => p.targetPath === path);
  if (other) throw invalid("path", `already the directory of pool ${other.name}`);
  const kind = await hostPathKind({ host: client, path });
  if (kind !== null && kind !== "directory")
    throw invalid("path", `${path} on ${client.host.name} is a ${kind}, not a directory`);
  await poolSetUp({
    host: client,
    pool: name,
    xml: poolXmlBuild({ type: "dir", name, targetPath: path, start: true, autostart: true, build: true }),
    build: { removeOnFailure: false },
    start: true,
    autostart: true,
  });
  return { pool: name, path, created: true };
}

/** Starts the `default` network and marks it autostart. */
async function networkFix(client: HostClient<HostView>): Promise<Record<string, unknown>> {
  const net = (await networkList({ host: client })).find((n) => n.name === DEFAULT_NETWORK_NAME);
  if (!net) throw new AppError("not_found", `No network named ${DEFAULT_NETWORK_NAME} on ${client.host.name}`);
  if (!net.active) await networkStart({ host: client, name: net.name });
  if (net.persistent && !net.autostart) await networkAutostartSet({ host: client, name: net.name, autostart: true });
  return { network: net.name, started: !net.active };
}

/** Runs a fix, audited (success or failure), then reads the checklist again. */
async function fixRun(
  caller: Caller,
  client: HostClient<HostView>,
  action: string,
  target: { type: string; name: string },
  run: () => Promise<Record<string, unknown>>,
): Promise<HostReadiness> {
  const t = { ...target, id: `${client.host.id}/${target.name}` };
  let details: Record<string, unknown>;
  try {
    details = await run();
  } catch (err) {
    await auditBy(caller, {
      action,
      outcome: "failure",
      target: t,
      details: { hostId: client.host.id, error: err instanceof Error ? err.message : String(err) },
    });
    throw err;
  }
  await auditBy(caller, { action, target: t, details: { hostId: client.host.id, ...details } });
  return readinessOf(caller, client);
}

/** The checklist's pool fix (`storage.manage` at the host): the pool created or started, and autostarted. */
export async function hostReadinessPoolFix(caller: Caller, hostId: string, fix: PoolFix): Promise<HostReadiness> {
  await authorizeOrThrow(caller.principal, "storage.manage", { hostId });
  const client = await networkClient(hostId);
  return fixRun(caller, client, "host.setup.pool", { type: "pool", name: fix.name }, () =>
    poolFix(client, fix.name, fix.path),
  );
}

/** The checklist's network fix (`network.manage` at the host): `default` started and autostarted. */
export async function hostReadinessNetworkFix(caller: Caller, hostId: string): Promise<HostReadiness> {
  await authorizeOrThrow(caller.principal, "network.manage", { hostId });
  const client = await networkClient(hostId);
  return fixRun(caller, client, "host.setup.network", { type: "network", name: DEFAULT_NETWORK_NAME }, () =>
    networkFix(client),
  );
}
