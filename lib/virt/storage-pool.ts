import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { parsePoolXml, type PoolWire } from "@/lib/libvirt/storage-xml";
import { virshNames } from "@/lib/libvirt/names-parse";

/** Storage pools of a host (`pool-list`, `pool-dumpxml`, `pool-refresh`). https://libvirt.org/formatstorage.html */

export interface PoolListed {
  name: string;
  active: boolean;
}

/** Every pool's name (active or not), with whether it is active; sorted as virsh lists them. */
export async function poolList({ host }: { host: HostClient }): Promise<PoolListed[]> {
  const [all, active] = await host.virsh(
    { command: "pool-list", args: [{ flag: "--all" }, { flag: "--name" }] },
    { command: "pool-list", args: [{ flag: "--name" }] },
  );
  const activeSet = new Set(virshNames(active));
  return virshNames(all)
    .filter((n) => !n.startsWith("-"))
    .map((name) => ({ name, active: activeSet.has(name) }));
}

/** `pool-dumpxml` of one pool (throws when virsh refuses). */
export async function poolXmlGet({ host, pool }: { host: HostClient; pool: string }): Promise<string> {
  const [xml] = await host.virsh({ command: "pool-dumpxml", args: [{ arg: pool }] });
  return xml;
}

/** One pool, parsed. */
export async function poolGet({ host, pool }: { host: HostClient; pool: string }): Promise<PoolWire> {
  return parsePoolXml(await poolXmlGet({ host, pool }));
}

/** Several pools parsed in one batch; a pool that vanished meanwhile is null. */
export async function poolGetMany({
  host,
  pools,
}: {
  host: HostClient;
  pools: readonly string[];
}): Promise<(PoolWire | null)[]> {
  if (!pools.length) return [];
  const xmls = await host.virshTry(...pools.map((p) => ({ command: "pool-dumpxml" as const, args: [{ arg: p }] })));
  return xmls.map((r) => (r.ok ? parsePoolXml(r.stdout) : null));
}

/** The pools with their sizes and whether they are active (only those in `only`, when given). */
export async function poolListDetailed({
  host,
  only,
}: {
  host: HostClient;
  only?: readonly string[];
}): Promise<(PoolWire & { active: boolean })[]> {
  const listed = (await poolList({ host })).filter((p) => !only || only.includes(p.name));
  const wires = await poolGetMany({ host, pools: listed.map((p) => p.name) });
  return listed.flatMap((p, i) => {
    const w = wires[i];
    return w ? [{ ...w, name: w.name || p.name, active: p.active }] : [];
  });
}

/** `pool-refresh`: libvirt re-reads what is in the pools (files copied in by hand). Throws on the first failure. */
export async function poolRefresh({ host, pools }: { host: HostClient; pools: readonly string[] }): Promise<void> {
  if (pools.length) await host.virsh(...pools.map((p) => ({ command: "pool-refresh" as const, args: [{ arg: p }] })));
}

/** Like poolRefresh but never throws (best-effort refresh after an error). */
export async function poolRefreshQuiet({ host, pool }: { host: HostClient; pool: string }): Promise<void> {
  await host.virshTry({ command: "pool-refresh", args: [{ arg: pool }] }).catch(() => {});
}
