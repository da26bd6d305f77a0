import "server-only";
import type { HostClient, VirshResult } from "@/lib/hosts/client";
import type { VirshCommandInput } from "@/lib/hosts/virsh-command";
import { AppError } from "@/lib/http/errors";
import { parsePoolXml, type PoolWire } from "@/lib/libvirt/storage-xml";
import { parsePoolDetailXml, type PoolDetailWire } from "@/lib/libvirt/pool-xml";
import { virshMessage } from "@/lib/hosts/client-errors";
import { virshNames } from "@/lib/libvirt/names-parse";

/**
 * Storage pools of a host: list and XML (`pool-list`, `pool-dumpxml`), and the pool verbs
 * (`pool-define`, `pool-build`, `pool-start`, `pool-destroy`, `pool-refresh`, `pool-autostart`,
 * `pool-undefine`, `pool-delete`). https://libvirt.org/formatstorage.html
 */

type Named = { host: HostClient; pool: string };

export interface PoolListed {
  name: string;
  active: boolean;
}

/**
 * virsh's pool-list reads each pool it lists; a pool undefined between the two steps (another
 * caller deleting one) fails the whole list with "Could not retrieve pool information". The list is
 * a read: run it once more then.
 */
async function listOnceMore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (err) {
    if (!(err instanceof Error) || !err.message.includes("Could not retrieve pool information")) throw err;
    return read();
  }
}

/** Every pool's name (active or not), with whether it is active; sorted as virsh lists them. */
export async function poolList({ host }: { host: HostClient }): Promise<PoolListed[]> {
  const [all, active] = await listOnceMore(() =>
    host.virsh(
      { command: "pool-list", args: [{ flag: "--all" }, { flag: "--name" }] },
      { command: "pool-list", args: [{ flag: "--name" }] },
    ),
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

export interface PoolListedState {
  name: string;
  active: boolean;
  autostart: boolean;
  persistent: boolean;
}

/** Every pool's name with whether it is active, autostarts and is persistent (one batch). */
export async function poolListState({ host }: { host: HostClient }): Promise<PoolListedState[]> {
  const [all, active, autostart, persistent] = await listOnceMore(() =>
    host.virsh(
      { command: "pool-list", args: [{ flag: "--all" }, { flag: "--name" }] },
      { command: "pool-list", args: [{ flag: "--name" }] },
      { command: "pool-list", args: [{ flag: "--all" }, { flag: "--autostart" }, { flag: "--name" }] },
      { command: "pool-list", args: [{ flag: "--all" }, { flag: "--persistent" }, { flag: "--name" }] },
    ),
  );
  const set = (out: string) => new Set(virshNames(out));
  const [a, auto, pers] = [set(active), set(autostart), set(persistent)];
  return virshNames(all)
    .filter((n) => !n.startsWith("-"))
    .map((name) => ({ name, active: a.has(name), autostart: auto.has(name), persistent: pers.has(name) }));
}

/** Several pools with their source, parsed in one batch; a pool that vanished meanwhile is null. */
export async function poolDetailMany({
  host,
  pools,
}: {
  host: HostClient;
  pools: readonly string[];
}): Promise<(PoolDetailWire | null)[]> {
  if (!pools.length) return [];
  const xmls = await host.virshTry(...pools.map((p) => ({ command: "pool-dumpxml" as const, args: [{ arg: p }] })));
  return xmls.map((r) => (r.ok ? parsePoolDetailXml(r.stdout) : null));
}

/** `pool-define` from XML on stdin (one-shot: the XML never is on a command line). */
export async function poolDefine({ host, xml }: { host: HostClient; xml: string }): Promise<void> {
  await host.virshExec({ command: "pool-define", args: [{ arg: "/dev/stdin" }] }, { stdin: xml, timeoutMs: 30_000 });
}

/** A slow verb (build, start, delete) on the slow-verb sessions; throws with virsh's message. */
async function slow(host: HostClient, cmd: VirshCommandInput): Promise<void> {
  const r: VirshResult = await host.virshSlowTry(cmd);
  if (!r.ok) throw new AppError("host_error", `${host.host.name}: ${virshMessage(r.stderr)}`);
}

/**
 * `pool-build`: makes the pool's storage (mkdir for dir/netfs, mkfs for fs, pvcreate + vgcreate for
 * logical, a partition table for disk). `noOverwrite`: only on an empty device (without it libvirt
 * skips mkfs for fs); `overwrite`: even over a file system or label.
 */
export async function poolBuild({
  host,
  pool,
  overwrite,
  noOverwrite,
}: Named & { overwrite?: boolean; noOverwrite?: boolean }): Promise<void> {
  const flags = [...(overwrite ? ["--overwrite"] : []), ...(noOverwrite ? ["--no-overwrite"] : [])];
  await slow(host, { command: "pool-build", args: [{ arg: pool }, ...flags.map((flag) => ({ flag }))] });
}

/** `pool-start`: mounts, activates the volume group, logs in to the target... */
export async function poolStart({ host, pool }: Named): Promise<void> {
  await slow(host, { command: "pool-start", args: [{ arg: pool }] });
}

/** `pool-destroy`: stops an active pool (unmounts, deactivates); its data stays. */
export async function poolStop({ host, pool }: Named): Promise<void> {
  await host.virsh({ command: "pool-destroy", args: [{ arg: pool }] });
}

export async function poolAutostart({ host, pool, autostart }: Named & { autostart: boolean }): Promise<void> {
  await host.virsh({ command: "pool-autostart", args: [{ arg: pool }, ...(autostart ? [] : [{ flag: "--disable" }])] });
}

/** `pool-undefine`: forgets the persistent definition; the data stays. */
export async function poolUndefine({ host, pool }: Named): Promise<void> {
  await host.virsh({ command: "pool-undefine", args: [{ arg: pool }] });
}

/**
 * `pool-delete`: destroys the pool's storage (removes the directory, the volume group, the
 * partition table), on an inactive pool. Irreversible.
 */
export async function poolDelete({ host, pool }: Named): Promise<void> {
  await slow(host, { command: "pool-delete", args: [{ arg: pool }] });
}

/**
 * Sets a pool up: `pool-define` from the XML, then `pool-build` (with `build`), `pool-start` and
 * `pool-autostart`, each when asked. On a failure what was done is undone in reverse (the pool
 * stopped; its storage deleted when `build.removeOnFailure` says build made it; the definition
 * removed) and the error is thrown again. A build is counted as done once tried: one that fails
 * half-way (mkdir done, mkfs failed) is undone too.
 */
export async function poolSetUp({
  host,
  pool,
  xml,
  build,
  start,
  autostart,
}: Named & {
  xml: string;
  /** `noOverwrite`: build only onto an empty device; `removeOnFailure`: pool-delete the built storage on a failure. */
  build: { noOverwrite?: boolean; removeOnFailure: boolean } | null;
  start: boolean;
  autostart: boolean;
}): Promise<void> {
  await poolDefine({ host, xml });
  let built = false;
  let started = false;
  try {
    if (build) {
      built = true;
      await poolBuild({ host, pool, noOverwrite: build.noOverwrite });
    }
    if (start) {
      await poolStart({ host, pool });
      started = true;
    }
    if (autostart) await poolAutostart({ host, pool, autostart: true });
  } catch (err) {
    if (started) await poolStop({ host, pool }).catch(() => undefined);
    if (built && build?.removeOnFailure) await poolDelete({ host, pool }).catch(() => undefined);
    await poolUndefine({ host, pool }).catch(() => undefined);
    throw err;
  }
}
