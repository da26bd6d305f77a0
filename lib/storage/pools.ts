import "server-only";
import { auditBy } from "@/lib/audit/audit";
import { authorizeOrThrow } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import {
  POOL_BUILDABLE,
  POOL_DEVICE_TYPES,
  PoolSpecSchema,
  poolSpecDevices,
  poolVgName,
  type PoolAction,
  type PoolSpec,
  type PoolView,
} from "@/lib/contracts/storage-pool";
import type { HostClient } from "@/lib/hosts/client";
import { AppError, fromZodError, type FieldIssue } from "@/lib/http/errors";
import { poolXmlBuild, type PoolDetailWire } from "@/lib/libvirt/pool-xml";
import type { HostView } from "@/lib/fleet/hosts";
import { domainDisks, storageUsage } from "@/lib/storage/usage";
import { PoolNameSchema, storageClient } from "@/lib/storage/storage";
import {
  poolAutostart,
  poolDelete,
  poolDetailMany,
  poolListState,
  poolRefresh,
  poolSetUp,
  poolStart,
  poolStop,
  poolUndefine,
} from "@/lib/virt/storage-pool";
import { volumeDelete, volumeNames } from "@/lib/virt/storage-volume";
import { virshUuids } from "@/lib/libvirt/names-parse";

/**
 * Storage pool management: list with state and source; create (define, build where the type needs
 * it, start, autostart; what was done is undone on failure); start, stop, refresh, autostart;
 * delete (stop + undefine, the data stays) and "delete data" (pool-delete, after the pool's name is
 * typed again). Stop, delete and delete data are refused while a VM uses a volume of the pool,
 * naming the VMs. `storage.manage` at the host or globally; every change is audited. Bad input is
 * refused naming the field before anything reaches the host, and so is what only the host can tell:
 * a target path that is a file, a device that is mounted, holds an LVM PV or another pool's data.
 */

export type { PoolView } from "@/lib/contracts/storage-pool";

async function manage(caller: Caller, hostId: string): Promise<HostClient<HostView>> {
  await authorizeOrThrow(caller.principal, "storage.manage", { hostId });
  return storageClient(hostId);
}

/** A pool name from a path (any pool virtdeck lists, not only names it creates): one virsh could misread names nothing (404). */
export function poolNameOf(name: string): string {
  const parsed = PoolNameSchema.safeParse(name);
  if (!parsed.success) throw new AppError("not_found", "No such pool");
  return parsed.data;
}

const invalid = (issues: FieldIssue[]) =>
  new AppError("invalid_input", `${issues[0]!.path}: ${issues[0]!.message}`, { issues });

function view(hostId: string, w: PoolDetailWire, s: { active: boolean; autostart: boolean; persistent: boolean }) {
  return {
    hostId,
    name: w.name,
    uuid: w.uuid ?? null,
    type: w.type,
    ...s,
    capacityBytes: w.capacityBytes,
    allocationBytes: w.allocationBytes,
    availableBytes: w.availableBytes,
    targetPath: w.targetPath ?? null,
    source: {
      host: w.source.host ?? null,
      port: w.source.port ?? null,
      dir: w.source.dir ?? null,
      devices: w.source.devices,
      name: w.source.name ?? null,
      format: w.source.format ?? null,
      initiator: w.source.initiator ?? null,
    },
  } satisfies PoolView;
}

/** Every pool of a host with state, autostart, sizes and source, sorted by name. */
export async function poolsOf(client: HostClient<HostView>): Promise<PoolView[]> {
  const listed = await poolListState({ host: client });
  const wires = await poolDetailMany({ host: client, pools: listed.map((p) => p.name) });
  return listed
    .flatMap((p, i) => {
      const w = wires[i];
      return w ? [view(client.host.id, { ...w, name: w.name || p.name }, p)] : [];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The pools of one host (host.view there). */
export async function poolListHost(caller: Caller, hostId: string): Promise<PoolView[]> {
  await authorizeOrThrow(caller.principal, "host.view", { hostId });
  return poolsOf(await storageClient(hostId));
}

async function found(client: HostClient<HostView>, name: string): Promise<PoolView> {
  const p = (await poolsOf(client)).find((x) => x.name === name);
  if (!p) throw new AppError("not_found", `No pool named ${name} on ${client.host.name}`);
  return p;
}

async function audit(caller: Caller, host: HostView, action: string, name: string, details: object = {}) {
  await auditBy(caller, {
    action,
    target: { type: "pool", id: `${host.id}/${name}`, name },
    details: { hostId: host.id, ...details },
  });
}

/** `stat -L -c %F`: "directory", "regular file", "block special file"...; null when it does not exist. */
async function fileKind(client: HostClient, p: string): Promise<string | null> {
  const r = await client.exec(["stat", "-L", "-c", "%F", "--", p], 15_000);
  return r.code === 0 ? r.stdout.trim() : null;
}

interface BlockNode {
  path?: string;
  mountpoint?: string | null;
  mountpoints?: (string | null)[];
  children?: BlockNode[];
}

/** A device and its partitions as lsblk sees them (mount points come from the kernel's mount table). */
async function blockInfo(client: HostClient, dev: string): Promise<BlockNode[]> {
  const r = await client.exec(["lsblk", "-J", "-p", "-o", "PATH,MOUNTPOINT", "--", dev], 15_000);
  if (r.code !== 0) return [];
  try {
    return (JSON.parse(r.stdout) as { blockdevices?: BlockNode[] }).blockdevices ?? [];
  } catch {
    return [];
  }
}

/**
 * The signature on a device (file system, LVM2_member, swap, a partition table type), probed on the
 * device itself (`blkid -p`: no udev database needed); null when it holds none.
 */
async function signatureOf(client: HostClient, dev: string): Promise<string | null> {
  const r = await client.exec(["blkid", "-p", "-o", "export", "--", dev], 15_000);
  if (r.code !== 0) return null;
  const kv = new Map(
    r.stdout.split("\n").flatMap((l) => {
      const i = l.indexOf("=");
      return i > 0 ? [[l.slice(0, i), l.slice(i + 1)] as const] : [];
    }),
  );
  return kv.get("TYPE") ?? (kv.get("PTTYPE") ? `${kv.get("PTTYPE")} partition table` : null);
}

function flatten(nodes: BlockNode[]): BlockNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
}

/**
 * What only the host can tell, as field issues: the target directory is a file (or missing without
 * build), another pool already uses it; a device that is not a block device, is mounted (or swap),
 * holds an LVM physical volume or a file system that build would overwrite, or is another pool's
 * source. Returns whether the target directory existed (a rollback never removes one it did not make).
 */
async function hostIssues(
  client: HostClient<HostView>,
  spec: PoolSpec,
  others: PoolView[],
): Promise<{ targetExisted: boolean }> {
  const issues: FieldIssue[] = [];
  let targetExisted = false;
  if (spec.type === "dir" || spec.type === "fs" || spec.type === "netfs") {
    const kind = await fileKind(client, spec.targetPath);
    targetExisted = kind !== null;
    if (kind !== null && kind !== "directory")
      issues.push({ path: "targetPath", message: `${spec.targetPath} is a ${kind}, not a directory` });
    if (kind === null && !spec.build)
      issues.push({ path: "targetPath", message: `${spec.targetPath} does not exist (build would create it)` });
    const same = others.find((o) => o.targetPath === spec.targetPath);
    if (same) issues.push({ path: "targetPath", message: `already the directory of pool ${same.name}` });
  }
  if (spec.type === "logical") {
    const vg = poolVgName(spec);
    const same = others.find((o) => o.type === "logical" && (o.source.name ?? o.name) === vg);
    if (same) issues.push({ path: "vgName", message: `the volume group ${vg} is already pool ${same.name}` });
  }
  if (spec.type === "netfs") {
    const same = others.find(
      (o) => o.type === "netfs" && o.source.host === spec.sourceHost && o.source.dir === spec.sourcePath,
    );
    if (same) issues.push({ path: "sourcePath", message: `this export is already pool ${same.name}` });
  }
  if (spec.type === "iscsi") {
    const same = others.find((o) => o.type === "iscsi" && o.source.devices.includes(spec.target));
    if (same) issues.push({ path: "target", message: `this target is already pool ${same.name}` });
  }
  const writes = "build" in spec && spec.build;
  for (const { path: dev, field } of poolSpecDevices(spec)) {
    const user = others.find((o) => o.type !== "iscsi" && o.source.devices.includes(dev));
    if (user) {
      issues.push({ path: field, message: `${dev} is already the source of pool ${user.name}` });
      continue;
    }
    const kind = await fileKind(client, dev);
    if (kind === null) {
      issues.push({ path: field, message: `${dev} does not exist on ${client.host.name}` });
      continue;
    }
    if (kind !== "block special file") {
      issues.push({ path: field, message: `${dev} is a ${kind}, not a block device` });
      continue;
    }
    const nodes = flatten(await blockInfo(client, dev));
    const mounted = nodes.find((n) => n.mountpoint || n.mountpoints?.some(Boolean));
    if (mounted) {
      const at = mounted.mountpoint ?? mounted.mountpoints?.find(Boolean);
      issues.push({ path: field, message: `${mounted.path ?? dev} is in use (mounted at ${at})` });
      continue;
    }
    const sig = await signatureOf(client, dev);
    if (sig === "LVM2_member" && !(spec.type === "logical" && !spec.build)) {
      issues.push({ path: field, message: `${dev} holds an LVM physical volume` });
      continue;
    }
    if (writes && sig && sig !== "LVM2_member")
      issues.push({ path: field, message: `${dev} holds a ${sig}; build would overwrite it` });
    else if (writes && nodes.length > 1)
      issues.push({ path: field, message: `${dev} has partitions; build would overwrite them` });
  }
  if (issues.length) throw invalid(issues);
  return { targetExisted };
}

function specOf(input: unknown): PoolSpec {
  const parsed = PoolSpecSchema.safeParse(input);
  if (!parsed.success) throw fromZodError(parsed.error);
  return parsed.data;
}

/**
 * Creates a pool: define, then build (types that need it, when asked), start, autostart. On a
 * failure what was done is undone in reverse (stop; pool-delete only of what build made: a
 * directory that did not exist, a volume group it created; undefine) and the error is answered.
 */
export async function poolCreate(caller: Caller, hostId: string, input: unknown): Promise<PoolView> {
  const client = await manage(caller, hostId);
  const spec = specOf(input);
  const existing = await poolsOf(client);
  if (existing.some((p) => p.name === spec.name))
    throw new AppError("conflict", `name: a pool named ${spec.name} already exists on ${client.host.name}`, {
      issues: [{ path: "name", message: "already exists on this host" }],
    });
  const { targetExisted } = await hostIssues(client, spec, existing);
  const build = "build" in spec && spec.build && POOL_BUILDABLE.includes(spec.type);
  // Device types: only onto an empty device (hostIssues refused signatures; libvirt checks again).
  // What build made is removed on a failure: a directory that did not exist, a volume group, a partition table.
  await poolSetUp({
    host: client,
    pool: spec.name,
    xml: poolXmlBuild(spec),
    build: build
      ? {
          noOverwrite: POOL_DEVICE_TYPES.includes(spec.type),
          removeOnFailure: spec.type === "logical" || spec.type === "disk" || !targetExisted,
        }
      : null,
    start: spec.start,
    autostart: spec.autostart,
  });
  await audit(caller, client.host, "storage.pool.create", spec.name, {
    type: spec.type,
    build,
    start: spec.start,
    autostart: spec.autostart,
    devices: poolSpecDevices(spec).map((d) => d.path),
  });
  return found(client, spec.name);
}

/** Start, stop, refresh, or set autostart of one pool. Stop is refused while a running VM uses it. */
export async function poolAct(caller: Caller, hostId: string, name: string, action: PoolAction): Promise<PoolView> {
  const client = await manage(caller, hostId);
  const n = poolNameOf(name);
  const pool = await found(client, n);
  if (action.action === "start") {
    if (pool.active) throw new AppError("invalid_state", `The pool ${n} is already active`);
    await poolStart({ host: client, pool: n });
  } else if (action.action === "stop") {
    if (!pool.active) throw new AppError("invalid_state", `The pool ${n} is not active`);
    await refuseInUse(client, pool, true);
    await poolStop({ host: client, pool: n });
  } else if (action.action === "refresh") {
    if (!pool.active) throw new AppError("invalid_state", `The pool ${n} is not active`);
    await poolRefresh({ host: client, pools: [n] });
  } else {
    if (!pool.persistent) throw new AppError("invalid_state", `The transient pool ${n} cannot autostart`);
    await poolAutostart({ host: client, pool: n, autostart: action.autostart });
  }
  const details = action.action === "autostart" ? { autostart: action.autostart } : {};
  await audit(caller, client.host, `storage.pool.${action.action}`, n, details);
  return found(client, n);
}

const under = (p: string, dir: string | null) => !!dir && dir !== "/" && dir !== "/dev" && p.startsWith(`${dir}/`);

/**
 * The VMs that use the pool: a disk naming the pool, a disk (or backing file) among its volumes or
 * under its directory (or, for a disk pool, a partition of its device). `runningOnly`: for a stop.
 */
export async function poolUsers(
  client: HostClient<HostView>,
  pool: PoolView,
  runningOnly = false,
): Promise<{ uuid: string; name: string }[]> {
  const users = new Map<string, string>();
  const prefixes = [
    ...(pool.type === "disk" || pool.type === "iscsi" ? [] : [pool.targetPath]),
    ...(pool.type === "disk" ? pool.source.devices : []),
  ];
  const volumePaths = pool.active ? (await volumeNames({ host: client, pool: pool.name })).map((v) => v.path) : [];
  const inPool = (p: string) =>
    volumePaths.includes(p) || prefixes.some((d) => under(p, d) || (pool.type === "disk" && !!d && p.startsWith(d)));
  const disks = await domainDisks(client);
  for (const [uuid, vm] of disks)
    if (vm.disks.some((d) => d.pool === pool.name || (d.path && inPool(d.path)))) users.set(uuid, vm.name);
  if (volumePaths.length) {
    // Also the VMs whose disks have a volume of the pool in their backing chain (lib/storage/usage.ts).
    const usage = await storageUsage(client);
    for (const p of volumePaths) for (const u of usage.get(p) ?? []) users.set(u.vmUuid, u.vmName);
  }
  let out = [...users].map(([uuid, name]) => ({ uuid, name }));
  if (runningOnly && out.length) {
    const [listed] = await client.virsh({ command: "list", args: [{ flag: "--uuid" }] });
    const running = new Set(virshUuids(listed));
    out = out.filter((u) => running.has(u.uuid));
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function refuseInUse(client: HostClient<HostView>, pool: PoolView, runningOnly = false): Promise<void> {
  const users = await poolUsers(client, pool, runningOnly);
  if (users.length)
    throw new AppError(
      "conflict",
      `The pool ${pool.name} has volumes in use by ${runningOnly ? "running " : ""}VMs: ${users.map((u) => u.name).join(", ")}`,
      { data: { vms: users } },
    );
}

/** Deletes the pool's definition (stops it first when active); its data stays. Refused while a VM uses it. */
export async function poolRemove(caller: Caller, hostId: string, name: string): Promise<void> {
  const client = await manage(caller, hostId);
  const n = poolNameOf(name);
  const pool = await found(client, n);
  await refuseInUse(client, pool);
  if (pool.active) await poolStop({ host: client, pool: n });
  if (pool.persistent) await poolUndefine({ host: client, pool: n });
  await audit(caller, client.host, "storage.pool.delete", n, { type: pool.type });
}

/**
 * "Delete data": removes every volume of the pool, then its storage (`pool-delete`: the directory,
 * the volume group and its PVs, the partition table); the definition stays, inactive. Only after
 * the pool's name is typed again (`confirm`), and refused while a VM uses a volume of it.
 */
export async function poolDeleteData(
  caller: Caller,
  hostId: string,
  name: string,
  body: { confirm: string },
): Promise<PoolView> {
  const client = await manage(caller, hostId);
  const n = poolNameOf(name);
  if (body.confirm !== n) throw invalid([{ path: "confirm", message: `type the pool's name (${n}) to confirm` }]);
  const pool = await found(client, n);
  if (pool.type === "iscsi")
    throw new AppError("invalid_state", `The data of the iSCSI pool ${n} lives on its target: delete it there`);
  await refuseInUse(client, pool);
  let volumes = 0;
  if (pool.active) {
    const listed = await volumeNames({ host: client, pool: n });
    for (const v of listed) await volumeDelete({ host: client, ref: { pool: n, name: v.name } });
    volumes = listed.length;
    await poolStop({ host: client, pool: n });
  }
  await poolDelete({ host: client, pool: n });
  await audit(caller, client.host, "storage.pool.delete_data", n, { type: pool.type, volumes });
  return found(client, n);
}
