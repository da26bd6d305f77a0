import "server-only";
import { z } from "zod";
import type { HostClient } from "@/lib/hosts/client";
import { parseDomainXml, type DiskWire } from "@/lib/libvirt/domain-xml-parse";
import { domainUuids, domainXmlTry } from "@/lib/virt/domain";
import { imageInfoRaw } from "@/lib/virt/image";
import { volumeGetMany, volumePathsTry } from "@/lib/virt/storage-volume";

/**
 * Which domains use which files on a host: each domain's disks (live and
 * persistent definitions) and every file in those disks' backing chains. A
 * file in this map must not be deleted while any of its users remain.
 *
 * Chains are followed through libvirt (`vol-dumpxml PATH` reports a volume's
 * backing file) in one batch per chain level; disks outside any pool fall back
 * to `qemu-img info -U --backing-chain` with the format the domain declares.
 */
export interface StorageUser {
  vmUuid: string;
  vmName: string;
  /** disk: a disk drive of the VM; media: the medium in one of its CD-ROM or floppy drives; backing: in a disk's backing chain. */
  via: "disk" | "media" | "backing";
}

export interface DomainDisk {
  target: string;
  device: string;
  path: string | null;
  pool: string | null;
  volume: string | null;
  format: string | null;
  readonly: boolean;
}

const MAX_CHAIN = 16;

export function diskOf(d: DiskWire): DomainDisk {
  return {
    target: d.target.dev,
    device: d.device,
    path: d.source?.file ?? d.source?.dev ?? null,
    pool: d.source?.pool ?? null,
    volume: d.source?.volume ?? null,
    format: d.driver.format ?? null,
    readonly: d.readonly,
  };
}

/** Disk paths of every domain, with pool/volume sources resolved to paths. */
export async function domainDisks(host: HostClient): Promise<Map<string, { name: string; disks: DomainDisk[] }>> {
  const uuids = await domainUuids({ host });
  const xmls = await domainXmlTry({ host, items: uuids.flatMap((uuid) => [{ uuid }, { uuid, inactive: true }]) });
  const out = new Map<string, { name: string; disks: DomainDisk[] }>();
  const unresolved: { uuid: string; disk: DomainDisk }[] = [];
  uuids.forEach((uuid, i) => {
    const seen = new Map<string, DomainDisk>();
    let name = uuid;
    for (const r of [xmls[2 * i], xmls[2 * i + 1]]) {
      if (!r?.ok) continue;
      const d = parseDomainXml(r.stdout);
      name = d.name;
      for (const disk of d.disks.map(diskOf)) {
        const key = `${disk.target}|${disk.path ?? ""}|${disk.pool ?? ""}|${disk.volume ?? ""}`;
        if (!seen.has(key)) seen.set(key, disk);
      }
    }
    const disks = [...seen.values()];
    for (const disk of disks) if (!disk.path && disk.pool && disk.volume) unresolved.push({ uuid, disk });
    out.set(uuid, { name, disks });
  });
  if (unresolved.length) {
    const paths = await volumePathsTry({
      host,
      refs: unresolved.map(({ disk }) => ({ pool: disk.pool!, name: disk.volume! })),
    });
    unresolved.forEach(({ disk }, i) => {
      if (paths[i].ok) disk.path = paths[i].stdout.trim() || null;
    });
  }
  return out;
}

const ChainSchema = z.array(
  z.object({
    filename: z.string(),
    "backing-filename": z.string().optional(),
    "full-backing-filename": z.string().optional(),
  }),
);

/** Path -> the domains using it, directly or through a backing chain. */
export async function storageUsage(
  host: HostClient,
  opts: { exceptVm?: string } = {},
): Promise<Map<string, StorageUser[]>> {
  const domains = await domainDisks(host);
  const usage = new Map<string, StorageUser[]>();
  const add = (path: string, user: StorageUser) => {
    const list = usage.get(path) ?? [];
    if (!list.some((u) => u.vmUuid === user.vmUuid && u.via === user.via)) list.push(user);
    usage.set(path, list);
  };
  // frontier: (path, user, format) whose backing file we still need to read
  let frontier: { path: string; user: StorageUser; format: string | null }[] = [];
  for (const [uuid, d] of domains) {
    if (uuid === opts.exceptVm) continue;
    for (const disk of d.disks) {
      if (!disk.path || !disk.path.startsWith("/")) continue;
      const media = disk.device === "cdrom" || disk.device === "floppy";
      add(disk.path, { vmUuid: uuid, vmName: d.name, via: media ? "media" : "disk" });
      if (!media) {
        frontier.push({ path: disk.path, user: { vmUuid: uuid, vmName: d.name, via: "backing" }, format: disk.format });
      }
    }
  }
  for (let depth = 0; depth < MAX_CHAIN && frontier.length; depth++) {
    const results = await volumeGetMany({ host, refs: frontier.map((f) => ({ path: f.path })) });
    const next: typeof frontier = [];
    for (let i = 0; i < frontier.length; i++) {
      const f = frontier[i];
      const vol = results[i];
      if (vol) {
        const backing = vol.backingPath;
        if (backing) {
          add(backing, f.user);
          next.push({ path: backing, user: f.user, format: null });
        }
      } else if (depth === 0) {
        for (const b of await chainOutsidePools(host, f.path, f.format)) add(b, f.user);
      }
    }
    frontier = next;
  }
  return usage;
}

/** Backing files of an image outside any pool, via qemu-img (never opened for writing: -U). */
async function chainOutsidePools(host: HostClient, path: string, format: string | null): Promise<string[]> {
  try {
    const r = await imageInfoRaw({
      host,
      path,
      format: format === "qcow2" || format === "raw" ? format : undefined,
      backingChain: true,
      timeoutMs: 30_000,
    });
    if (r.code !== 0) return [];
    const chain = ChainSchema.parse(JSON.parse(r.stdout));
    return chain.slice(1).map((c) => c.filename);
  } catch {
    return [];
  }
}
