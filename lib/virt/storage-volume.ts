import "server-only";
import type { HostClient, VirshResult } from "@/lib/hosts/client";
import { parseVolumeXml, type VolumeWire } from "@/lib/libvirt/storage-xml";
import { parseVolList, type VolListEntry } from "@/lib/libvirt/vol-list-parse";
import { poolGet } from "./storage-pool";

/**
 * Storage volumes (`vol-list`, `vol-dumpxml`, `vol-path`, create/delete/resize). A volume is named
 * by pool + name, or by its path alone (libvirt finds the pool). https://libvirt.org/formatstorage.html
 */
export type VolumeRef = { pool: string; name: string } | { path: string };

const refArgs = (ref: VolumeRef) =>
  "path" in ref ? [{ arg: ref.path }] : [{ option: "--pool", value: ref.pool }, { arg: ref.name }];

/** Names and paths of one pool's volumes (split at the pool's target path: names may hold spaces). */
export async function volumeNames({ host, pool }: { host: HostClient; pool: string }): Promise<VolListEntry[]> {
  const target = (await poolGet({ host, pool })).targetPath;
  const [out] = await host.virsh({ command: "vol-list", args: [{ arg: pool }] });
  return parseVolList(out, target).filter((v) => !v.name.startsWith("-"));
}

/** `vol-dumpxml` of several volumes in one batch, raw (ok=false for a volume libvirt does not know). */
export async function volumeXmlTry({
  host,
  refs,
}: {
  host: HostClient;
  refs: readonly VolumeRef[];
}): Promise<VirshResult[]> {
  if (!refs.length) return [];
  return host.virshTry(...refs.map((r) => ({ command: "vol-dumpxml" as const, args: refArgs(r) })));
}

/** `vol-dumpxml` of one volume (throws when libvirt does not know it). */
export async function volumeXmlGet({ host, ref }: { host: HostClient; ref: VolumeRef }): Promise<string> {
  const [xml] = await host.virsh({ command: "vol-dumpxml", args: refArgs(ref) });
  return xml;
}

/** Several volumes parsed; null for one libvirt does not know (not in any pool, or gone). */
export async function volumeGetMany({
  host,
  refs,
}: {
  host: HostClient;
  refs: readonly VolumeRef[];
}): Promise<(VolumeWire | null)[]> {
  return (await volumeXmlTry({ host, refs })).map((r) => (r.ok ? parseVolumeXml(r.stdout) : null));
}

/** One volume parsed, or null when libvirt does not know it. */
export async function volumeFind({ host, ref }: { host: HostClient; ref: VolumeRef }): Promise<VolumeWire | null> {
  const [v] = await volumeGetMany({ host, refs: [ref] });
  return v;
}

/** Every volume of the given pools, parsed (a pool or volume that fails to answer is skipped). */
export async function volumeList({
  host,
  pools,
}: {
  host: HostClient;
  pools: readonly string[];
}): Promise<(VolumeWire & { pool: string; listedPath: string })[]> {
  const lists = await Promise.all(pools.map((pool) => volumeNames({ host, pool }).catch(() => null)));
  const wanted = pools.flatMap((pool, i) => (lists[i] ?? []).map((v) => ({ pool, name: v.name, path: v.path })));
  const wires = await volumeGetMany({ host, refs: wanted.map((v) => ({ pool: v.pool, name: v.name })) });
  return wanted.flatMap((v, i) => {
    const w = wires[i];
    return w ? [{ ...w, name: w.name || v.name, pool: v.pool, listedPath: v.path }] : [];
  });
}

/** `vol-path` of several pool volumes in one batch (throws on the first failure). */
export async function volumePaths({
  host,
  refs,
}: {
  host: HostClient;
  refs: readonly { pool: string; name: string }[];
}): Promise<string[]> {
  if (!refs.length) return [];
  const out = await host.virsh(...refs.map((r) => ({ command: "vol-path" as const, args: refArgs(r) })));
  return out.map((p) => p.trim());
}

/** `vol-path` of several pool volumes, raw results (ok=false when a volume is unknown). */
export async function volumePathsTry({
  host,
  refs,
}: {
  host: HostClient;
  refs: readonly { pool: string; name: string }[];
}): Promise<VirshResult[]> {
  if (!refs.length) return [];
  return host.virshTry(...refs.map((r) => ({ command: "vol-path" as const, args: refArgs(r) })));
}

/** Which pool holds the file at `path` (`vol-pool`), or null. */
export async function volumePoolOf({ host, path }: { host: HostClient; path: string }): Promise<string | null> {
  const [r] = await host.virshTry({ command: "vol-pool", args: [{ arg: path }] });
  return r.ok ? r.stdout.trim() || null : null;
}

/** `vol-create-as`: an empty volume of `capacity` (virsh size syntax, e.g. "1048576b"). */
export async function volumeCreate(o: {
  host: HostClient;
  pool: string;
  name: string;
  capacity: string;
  format: string;
  backing?: { path: string; format: string };
}): Promise<void> {
  const backing = o.backing
    ? [
        { option: "--backing-vol", value: o.backing.path },
        { option: "--backing-vol-format", value: o.backing.format },
      ]
    : [];
  await o.host.virsh({
    command: "vol-create-as",
    args: [{ arg: o.pool }, { arg: o.name }, { arg: o.capacity }, { option: "--format", value: o.format }, ...backing],
  });
}

/** `vol-delete` (throws when virsh refuses). */
export async function volumeDelete({ host, ref }: { host: HostClient; ref: VolumeRef }): Promise<void> {
  await host.virsh({ command: "vol-delete", args: refArgs(ref) });
}

/** `vol-delete` that never throws: raw result (cleanup after a failure). */
export async function volumeDeleteTry({ host, ref }: { host: HostClient; ref: VolumeRef }): Promise<VirshResult> {
  const [r] = await host
    .virshTry({ command: "vol-delete", args: refArgs(ref) })
    .catch(() => [{ ok: false, stdout: "", stderr: "" }]);
  return r;
}

/** `vol-resize` to `capacity` (virsh size syntax). */
export async function volumeResize({
  host,
  pool,
  name,
  capacity,
}: {
  host: HostClient;
  pool: string;
  name: string;
  capacity: string;
}): Promise<void> {
  await host.virsh({
    command: "vol-resize",
    args: [{ option: "--pool", value: pool }, { arg: name }, { arg: capacity }],
  });
}

/** `vol-upload` of bytes from stdin into an existing volume (one-shot: it reads stdin). */
export async function volumeUpload({
  host,
  pool,
  name,
  data,
  timeoutMs,
}: {
  host: HostClient;
  pool: string;
  name: string;
  data: Buffer;
  timeoutMs?: number;
}): Promise<void> {
  await host.virshExec(
    { command: "vol-upload", args: [{ option: "--pool", value: pool }, { arg: name }, { arg: "/dev/stdin" }] },
    { stdin: data, timeoutMs },
  );
}

/** `vol-upload` from stdin on its own channel: the caller streams the bytes in (with backpressure). */
export function volumeUploadStream({ host, pool, name }: { host: HostClient; pool: string; name: string }) {
  return host.virshStream({
    command: "vol-upload",
    args: [{ option: "--pool", value: pool }, { arg: name }, { arg: "/dev/stdin" }],
  });
}

/** `vol-create-from`: a new volume (its XML on stdin) filled from another volume by libvirt (slow: own exec). */
export async function volumeCreateFrom(o: {
  host: HostClient;
  pool: string;
  xml: string;
  srcPool: string;
  srcName: string;
  timeoutMs?: number;
}): Promise<void> {
  await o.host.virshExec(
    {
      command: "vol-create-from",
      args: [{ arg: o.pool }, { arg: "/dev/stdin" }, { arg: o.srcName }, { option: "--inputpool", value: o.srcPool }],
    },
    { stdin: o.xml, timeoutMs: o.timeoutMs },
  );
}

/** `vol-pool` of several files in one batch: the pool holding each, or null. */
export async function volumePoolOfMany({
  host,
  paths,
}: {
  host: HostClient;
  paths: readonly string[];
}): Promise<(string | null)[]> {
  if (!paths.length) return [];
  const results = await host.virshTry(...paths.map((p) => ({ command: "vol-pool" as const, args: [{ arg: p }] })));
  return results.map((r) => (r.ok ? r.stdout.trim() : null));
}

/** `vol-clone` within a pool (slow: libvirt copies every byte), on the slow-verb sessions; raw result. */
export async function volumeClone({
  host,
  pool,
  name,
  newName,
}: {
  host: HostClient;
  pool: string;
  name: string;
  newName: string;
}): Promise<VirshResult> {
  return host.virshSlowTry({
    command: "vol-clone",
    args: [{ option: "--pool", value: pool }, { arg: name }, { arg: newName }],
  });
}

/**
 * `vol-download` of `length` bytes from `offset` to stdout, on a channel of its own connection: the
 * caller reads the volume's bytes from the stream (with backpressure) and destroys it to stop.
 */
export function volumeDownloadStream({
  host,
  pool,
  name,
  offset,
  length,
}: {
  host: HostClient;
  pool: string;
  name: string;
  offset: number;
  length: number;
}) {
  return host.virshStream(
    {
      command: "vol-download",
      args: [
        { option: "--pool", value: pool },
        { arg: name },
        { arg: "/dev/stdout" },
        { option: "--offset", value: String(offset) },
        { option: "--length", value: String(length) },
      ],
    },
    { own: true },
  );
}
