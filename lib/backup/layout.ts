import "server-only";

/**
 * Where a backup point lives in its repository:
 *   <repo>/<vm uuid>/<point id>/            a complete, checksummed point
 *       domain.xml  <disk>.qcow2...  SHA256SUMS
 *   <repo>/<vm uuid>/.partial-<point id>/   a point being written (never read as a point)
 * and, when the repository is on another host, the staging directory on the VM's host that
 * libvirt writes to before the data is streamed over. Every component is a UUID or a disk target
 * checked here, so no path can climb out of the repository.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TARGET_RE = /^[a-z]{1,4}[a-z0-9]{0,8}$/;

export const DOMAIN_XML = "domain.xml";
export const SUMS_FILE = "SHA256SUMS";
export const BACKUP_XML = "backup.xml";
export const CHECKPOINT_XML = "checkpoint.xml";

function uuidCheck(id: string, what: string): string {
  if (!UUID_RE.test(id)) throw new Error(`${what} is not a UUID`);
  return id;
}

/** A disk target usable as a file name (vda, sdb, hdc, nvme0n1...). */
export function diskTargetSafe(target: string): boolean {
  return TARGET_RE.test(target);
}

export function imageFile(target: string): string {
  if (!diskTargetSafe(target)) throw new Error(`disk target ${JSON.stringify(target)} is not usable as a file name`);
  return `${target}.qcow2`;
}

export interface PointLayout {
  vmDir: string;
  partialDir: string;
  finalDir: string;
}

export function pointLayout(repoPath: string, vmUuid: string, pointId: string): PointLayout {
  const vmDir = `${repoPath}/${uuidCheck(vmUuid, "VM")}`;
  uuidCheck(pointId, "point");
  return { vmDir, partialDir: `${vmDir}/.partial-${pointId}`, finalDir: `${vmDir}/${pointId}` };
}

/** The backing path an incremental image records: its parent point's image, relative. */
export function parentImageRelative(parentId: string, target: string): string {
  return `../${uuidCheck(parentId, "parent point")}/${imageFile(target)}`;
}

/** Staging directory on the VM's host when the repository is elsewhere. */
export function stagingDir(pointId: string): string {
  return `/var/tmp/virtdeck-backup-${uuidCheck(pointId, "point")}`;
}

/** The checkpoint a point creates: names the point, so it can be told apart from others'. */
export function checkpointName(pointId: string): string {
  return `virtdeck-${uuidCheck(pointId, "point")}`;
}
