import "server-only";
import { z } from "zod";
import { AppError } from "@/lib/http/errors";
import { auditRecord } from "@/lib/audit/audit";
import { virshCommand, type VirshCommandArgv, type VirshCommandInput } from "@/lib/hosts/virsh-command";
import { runChecked } from "@/lib/hosts/transport";
import { parsePoolXml, parseVolumeXml, volumeIsIso } from "@/lib/libvirt/storage-xml";
import { hostGet, type HostView } from "@/lib/fleet/hosts";
import { virshMessage } from "@/lib/fleet/errors";
import { fleet, fleetHostFailure } from "@/lib/fleet/runtime";
import type { Caller } from "@/lib/authz/caller";
import { parseVolList } from "./vol-list-parse";

/**
 * Storage pools and volumes of a host, through its long-lived virsh session
 * (one batch per step, not one exec per volume). Pool management itself
 * (define, build, start) is not here yet.
 */

import type { StoragePool, StorageVolume } from "@/lib/contracts/storage";
export type { StoragePool, StorageVolume } from "@/lib/contracts/storage";

/** Pool names: what virsh accepts as a positional and a person would type. */
export const PoolNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "pool names use letters, digits and _ . + -");

/** Names of volumes virtdeck creates: one path component, no leading dot or dash. */
export const VolumeNameSchema = z
  .string()
  .min(1, "a volume name is required")
  .max(200)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/, "volume names use letters, digits and _ . + - (no spaces or slashes)");

export const VOLUME_FORMATS = ["qcow2", "raw", "iso"] as const;
export type VolumeFormat = (typeof VOLUME_FORMATS)[number];

export const VolumeCreateSchema = z.object({
  pool: PoolNameSchema,
  name: VolumeNameSchema,
  format: z.enum(["qcow2", "raw"]),
  capacityBytes: z.number().int().min(1024 * 1024, "at least 1 MiB").max(64 * 1024 ** 4),
});

/** Existing volumes are addressed by pool + name as libvirt lists them (any name, not only ours). */
const ExistingVolumeNameSchema = z
  .string()
  .min(1)
  .max(500)
  .refine((s) => !s.startsWith("-") && !s.includes("\0") && !s.includes("/"), "not a volume name");

export const VolumeRefSchema = z.object({ pool: PoolNameSchema, name: ExistingVolumeNameSchema });

export async function storageHost(hostId: string): Promise<HostView> {
  if (!z.uuid().safeParse(hostId).success) throw new AppError("not_found", "No such host");
  const host = await hostGet(hostId);
  if (!host.hostKeySha256 || host.status === "key_mismatch") {
    throw new AppError("host_not_ready", `${host.name}: the host is not ready (confirm its key first)`);
  }
  return host;
}

function session(host: HostView) {
  return fleet().sessions.get(host.id, host.libvirtUri);
}

export async function batch(host: HostView, commands: VirshCommandArgv[]) {
  try {
    return await session(host).batch(commands);
  } catch (err) {
    throw await fleetHostFailure(host.id, host.name, err);
  }
}

export async function runOk(host: HostView, input: VirshCommandInput): Promise<string> {
  const argv = virshCommand(input);
  const [r] = await batch(host, [argv]);
  if (!r.ok) throw new AppError("host_error", `${host.name}: ${virshMessage(r.stderr)}`);
  return r.stdout;
}

function namesOf(stdout: string): string[] {
  return stdout
    .split("\n")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Every pool on the host (active or not) with capacity, allocation and available bytes. */
export async function storagePoolList({ hostId }: { hostId: string }): Promise<StoragePool[]> {
  const host = await storageHost(hostId);
  const [all, active] = await batch(host, [
    virshCommand({ command: "pool-list", args: [{ flag: "--all" }, { flag: "--name" }] }),
    virshCommand({ command: "pool-list", args: [{ flag: "--name" }] }),
  ]);
  if (!all.ok) throw new AppError("host_error", `${host.name}: ${virshMessage(all.stderr)}`);
  const names = namesOf(all.stdout).filter((n) => !n.startsWith("-"));
  const activeSet = new Set(namesOf(active.stdout));
  const xmls = await batch(host, names.map((n) => virshCommand({ command: "pool-dumpxml", args: [{ arg: n }] })));
  const pools: StoragePool[] = [];
  names.forEach((name, i) => {
    const r = xmls[i];
    if (!r.ok) return; // undefined between the two calls
    const p = parsePoolXml(r.stdout);
    pools.push({
      name,
      type: p.type,
      active: activeSet.has(name),
      capacityBytes: p.capacityBytes,
      allocationBytes: p.allocationBytes,
      availableBytes: p.availableBytes,
      targetPath: p.targetPath ?? null,
    });
  });
  return pools.sort((a, b) => a.name.localeCompare(b.name));
}

async function poolTarget(host: HostView, pool: string): Promise<string | undefined> {
  const xml = await runOk(host, { command: "pool-dumpxml", args: [{ arg: pool }] });
  return parsePoolXml(xml).targetPath;
}

/** Volumes of one active pool, with format, sizes and backing file (from vol-dumpxml). */
export async function storageVolumeList({ hostId, pool }: { hostId: string; pool: string }): Promise<StorageVolume[]> {
  const host = await storageHost(hostId);
  PoolNameSchema.parse(pool);
  return volumesOf(host, pool);
}

async function volumesOf(host: HostView, pool: string): Promise<StorageVolume[]> {
  const target = await poolTarget(host, pool);
  const listed = parseVolList(await runOk(host, { command: "vol-list", args: [{ arg: pool }] }), target);
  const usable = listed.filter((v) => !v.name.startsWith("-"));
  const xmls = await batch(
    host,
    usable.map((v) => virshCommand({ command: "vol-dumpxml", args: [{ option: "--pool", value: pool }, { arg: v.name }] })),
  );
  const out: StorageVolume[] = [];
  usable.forEach((v, i) => {
    const r = xmls[i];
    if (!r.ok) return;
    const w = parseVolumeXml(r.stdout);
    out.push({
      pool,
      name: w.name || v.name,
      path: w.path ?? v.path,
      format: w.format ?? null,
      capacityBytes: w.capacityBytes,
      allocationBytes: w.allocationBytes,
      backingPath: w.backingPath ?? null,
      iso: volumeIsIso({ name: w.name || v.name, format: w.format }),
    });
  });
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** ISO images across the host's active pools. `rescan` refreshes each pool first (files copied in by hand). */
export async function isoLibrary({ hostId, rescan = false }: { hostId: string; rescan?: boolean }): Promise<StorageVolume[]> {
  const host = await storageHost(hostId);
  const pools = (await storagePoolList({ hostId })).filter((p) => p.active);
  if (rescan && pools.length) {
    const results = await batch(host, pools.map((p) => virshCommand({ command: "pool-refresh", args: [{ arg: p.name }] })));
    const failed = results.find((r) => !r.ok);
    if (failed) throw new AppError("host_error", `${host.name}: ${virshMessage(failed.stderr)}`);
  }
  const lists = await Promise.all(pools.map((p) => volumesOf(host, p.name)));
  return lists.flat().filter((v) => v.iso);
}

/** Refreshes one pool (pool-refresh): libvirt re-reads what is in it. */
export async function storagePoolRefresh({ hostId, pool }: { hostId: string; pool: string }): Promise<void> {
  const host = await storageHost(hostId);
  await runOk(host, { command: "pool-refresh", args: [{ arg: PoolNameSchema.parse(pool) }] });
}

export async function storageVolumeCreate(caller: Caller, hostId: string, input: z.infer<typeof VolumeCreateSchema>): Promise<StorageVolume> {
  const host = await storageHost(hostId);
  const v = VolumeCreateSchema.parse(input);
  await runOk(host, {
    command: "vol-create-as",
    args: [{ arg: v.pool }, { arg: v.name }, { arg: String(v.capacityBytes) }, { option: "--format", value: v.format }],
  });
  await auditRecord({
    actor: caller.actor,
    action: "storage.volume.create",
    target: { type: "volume", id: `${host.id}/${v.pool}/${v.name}`, name: v.name },
    ip: caller.ip,
    details: { hostId: host.id, pool: v.pool, format: v.format, capacityBytes: v.capacityBytes },
  });
  const created = (await volumesOf(host, v.pool)).find((x) => x.name === v.name);
  if (!created) throw new AppError("host_error", `${host.name}: the volume was created but does not show in ${v.pool}`);
  return created;
}

/**
 * Deletes a volume unless a domain on the host uses it, directly or as a backing file of one of
 * its disks (see storageUsage).
 */
export async function storageVolumeDelete(caller: Caller, hostId: string, ref: z.infer<typeof VolumeRefSchema>): Promise<void> {
  const host = await storageHost(hostId);
  const { pool, name } = VolumeRefSchema.parse(ref);
  const vol = (await volumesOf(host, pool)).find((v) => v.name === name);
  if (!vol) throw new AppError("not_found", `No volume ${name} in pool ${pool}`);
  const { storageUsage } = await import("./usage");
  const users = (await storageUsage(host)).get(vol.path) ?? [];
  if (users.length) {
    throw new AppError("conflict", `${name} is in use by ${users.map((u) => u.vmName).join(", ")} (as a disk or in a disk's backing chain)`);
  }
  await runOk(host, { command: "vol-delete", args: [{ option: "--pool", value: pool }, { arg: name }] });
  await auditRecord({
    actor: caller.actor,
    action: "storage.volume.delete",
    target: { type: "volume", id: `${host.id}/${pool}/${name}`, name },
    ip: caller.ip,
    details: { hostId: host.id, pool, path: vol.path },
  });
}
