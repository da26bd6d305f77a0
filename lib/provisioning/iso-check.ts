import "server-only";
import { AppError } from "@/lib/http/errors";
import type { VolumeWire } from "@/lib/libvirt/storage-xml";
import type { ProvHost } from "./host-access";
import { volumeGet } from "./host-options";
import { provImageInspect } from "./plan";
import { volumeDependents } from "./volume-dependents";
import { dependentsDescribe, type Dependents } from "./volume-dependents-find";

/**
 * What may go into a CD-ROM drive (hardware tab insert, the ISO of a VM created from an ISO or
 * an ISO template): an ISO 9660 image by its content, never by its name, that is no domain's
 * disk (any domain of the host, running or not, also inside a disk's backing chain), no
 * template's base image, no backing file of any volume and nothing a pending create/clone is
 * to copy. Other VMs holding the same ISO in their own CD-ROM drives are fine: an ISO library
 * is shared. Without this, a guest could read another VM's disk or a template's base image
 * through its CD-ROM, and deleting the VM could take that volume along.
 */

/** ISO 9660: the first volume descriptor is at sector 16 (2048-byte sectors); "CD001" follows its type byte. */
export const ISO9660_MAGIC_OFFSET = 16 * 2048 + 1;
export const ISO9660_MAGIC = "CD001";

/** The argv reading the 5 bytes where an ISO 9660 image has "CD001": a bounded read, never the whole file. */
export function isoMagicReadArgv(path: string): string[] {
  return ["dd", `if=${path}`, "bs=1", `skip=${ISO9660_MAGIC_OFFSET}`, `count=${ISO9660_MAGIC.length}`, "status=none"];
}

/** True when the bytes read at the magic's offset are the ISO 9660 magic. */
export function isoMagicMatches(bytes: string): boolean {
  return bytes === ISO9660_MAGIC;
}

/** Dependents that make a file unfit for a CD-ROM drive: everything but other VMs' CD-ROM drives. */
export function isoBlockingDependents(d: Dependents): Dependents {
  return { ...d, vms: d.vms.filter((v) => v.via !== "media") };
}

/**
 * Checks a pool volume before it goes into a CD-ROM drive; returns the volume (with its path).
 * Refused with 409 when something else uses it as a disk or base, 422 when it is not an ISO image
 * or its bytes also read as another image format.
 */
export async function isoVolumeCheck(
  h: ProvHost,
  ref: { pool: string; volume: string },
  field: string,
): Promise<VolumeWire & { path: string }> {
  const vol = await volumeGet(h, ref.pool, ref.volume);
  const label = `${ref.pool}/${ref.volume}`;
  const path = vol.path;
  if (!path?.startsWith("/"))
    throw new AppError("invalid_input", `${label} is not a file on ${h.host.name}`, {
      issues: [{ path: field, message: "Not an ISO image" }],
    });
  const deps = isoBlockingDependents((await volumeDependents(h.host, [path], { exceptVm: "" })).get(path)!);
  const parts = dependentsDescribe(deps);
  if (parts.length) {
    throw new AppError(
      "conflict",
      `${label} cannot go in a CD-ROM drive: it is used by ${parts.join("; ")}. Only ISO images that are no VM's disk, no template's base image and no volume's backing file can be inserted.`,
      { issues: [{ path: field, message: "In use as a disk or base image" }] },
    );
  }
  const r = await h.exec(isoMagicReadArgv(path), 15_000);
  if (r.code !== 0 || !isoMagicMatches(r.stdout)) {
    throw new AppError(
      "invalid_input",
      `${label} is not an ISO image (no ISO 9660 volume descriptor at sector 16): only ISO images go in a CD-ROM drive`,
      {
        issues: [{ path: field, message: "Not an ISO image" }],
      },
    );
  }
  // A CD-ROM is read as raw: bytes that also look like another image format are refused (imageInspect).
  await provImageInspect(h, path, "raw", label);
  return { ...vol, path };
}
