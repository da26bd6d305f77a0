import "server-only";
import { attr, child, int, parseXmlRoot, path, text } from "./xml";

/*
 * `virsh pool-dumpxml` / `vol-dumpxml` -> the few facts provisioning needs (where a volume lives,
 * its format, size and backing file). https://libvirt.org/formatstorage.html
 */

export interface PoolWire {
  name: string;
  type: string;
  capacityBytes: number;
  allocationBytes: number;
  availableBytes: number;
  targetPath?: string;
}

export interface VolumeWire {
  name: string;
  key?: string;
  path?: string;
  /** qcow2 | raw | iso | ... (libvirt reports ISOs as raw or iso depending on the pool). */
  format?: string;
  capacityBytes: number;
  allocationBytes: number;
  /** Size of the file itself (file volumes; libvirt's <physical>), what `vol-download` reads. */
  physicalBytes?: number;
  backingPath?: string;
  backingFormat?: string;
}

function bytes(el: Parameters<typeof text>[0]): number {
  const n = int(text(el));
  if (n === undefined) return 0;
  const unit = (attr(el, "unit") ?? "bytes").toLowerCase();
  const f: Record<string, number> = {
    b: 1,
    bytes: 1,
    k: 1024,
    kib: 1024,
    m: 1024 ** 2,
    mib: 1024 ** 2,
    g: 1024 ** 3,
    gib: 1024 ** 3,
    t: 1024 ** 4,
    tib: 1024 ** 4,
  };
  return n * (f[unit] ?? 1);
}

export function parsePoolXml(xml: string): PoolWire {
  const pool = parseXmlRoot(xml, "pool");
  return {
    name: text(child(pool, "name"))?.trim() ?? "",
    type: attr(pool, "type") ?? "",
    capacityBytes: bytes(child(pool, "capacity")),
    allocationBytes: bytes(child(pool, "allocation")),
    availableBytes: bytes(child(pool, "available")),
    targetPath: text(path(pool, "target", "path"))?.trim(),
  };
}

export function parseVolumeXml(xml: string): VolumeWire {
  const vol = parseXmlRoot(xml, "volume");
  return {
    name: text(child(vol, "name"))?.trim() ?? "",
    key: text(child(vol, "key"))?.trim(),
    path: text(path(vol, "target", "path"))?.trim(),
    format: attr(path(vol, "target", "format"), "type"),
    capacityBytes: bytes(child(vol, "capacity")),
    allocationBytes: bytes(child(vol, "allocation")),
    physicalBytes: child(vol, "physical") ? bytes(child(vol, "physical")) : undefined,
    backingPath: text(path(vol, "backingStore", "path"))?.trim(),
    backingFormat: attr(path(vol, "backingStore", "format"), "type"),
  };
}

/** An ISO image, by name (libvirt's dir pools report ISOs as format "iso" or "raw"). */
export function volumeIsIso(v: Pick<VolumeWire, "name" | "format">): boolean {
  return v.format === "iso" || /\.iso$/i.test(v.name);
}
