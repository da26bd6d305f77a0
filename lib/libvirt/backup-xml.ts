import "server-only";
import { attr, child, children, int, parseXmlRoot, path, text } from "./xml";
import { xmlAppend, xmlNewDocument, xmlSerialize } from "./xml-build";

/**
 * Backup and checkpoint XML for `virsh backup-begin` (push mode), built through the DOM, and the
 * parsers for `backup-dumpxml` / `checkpoint-dumpxml`.
 * https://libvirt.org/formatbackup.html https://libvirt.org/formatcheckpoint.html
 *
 * Push mode: QEMU itself writes each disk to `<target file>` on the VM's host. An incremental
 * backup (`<incremental>` = a checkpoint of the domain) writes only the clusters the checkpoint's
 * dirty bitmap marks; the rest of the target stays unallocated (read as the previous point once
 * the repository gives the file its backing: lib/backup/point-layout.ts).
 */

export interface BackupDiskSpec {
  /** The disk's target name in the domain (vda, sdb...). */
  name: string;
  /** Absolute path of the file QEMU creates for this disk. Omitted with `backup: false`. */
  targetPath?: string;
  /** false: this disk is left out (CD-ROMs, disks the user excluded). */
  backup?: boolean;
  /**
   * Per disk: "full" forces a full copy of this disk even in an incremental backup (raw disks have
   * no dirty bitmap); "incremental" takes the backup's `<incremental>` checkpoint.
   */
  mode?: "full" | "incremental";
}

export interface BackupSpec {
  /** Checkpoint to copy changes since; absent: a full backup. */
  incremental?: string;
  disks: BackupDiskSpec[];
}

/** `<domainbackup mode='push'>` for backup-begin. Every value is an attribute or a text node. */
export function backupXmlBuild(spec: BackupSpec): string {
  const { root } = xmlNewDocument("domainbackup");
  root.setAttribute("mode", "push");
  if (spec.incremental) xmlAppend(root, "incremental", {}, spec.incremental);
  const disks = xmlAppend(root, "disks");
  for (const d of spec.disks) {
    if (d.backup === false) {
      xmlAppend(disks, "disk", { name: d.name, backup: "no" });
      continue;
    }
    if (!d.targetPath?.startsWith("/")) throw new Error(`backup target of ${d.name} must be an absolute path`);
    const disk = xmlAppend(disks, "disk", {
      name: d.name,
      backup: "yes",
      type: "file",
      backupmode: spec.incremental ? (d.mode ?? "incremental") : undefined,
      incremental: spec.incremental && (d.mode ?? "incremental") === "incremental" ? spec.incremental : undefined,
    });
    xmlAppend(disk, "target", { file: d.targetPath });
    // The target is always qcow2: an incremental's unchanged clusters stay unallocated, so the
    // repository can give it the previous point as backing; a full one keeps the guest's holes.
    xmlAppend(disk, "driver", { type: "qcow2" });
  }
  return xmlSerialize(root);
}

export interface BackupWireDisk {
  name: string;
  backup: boolean;
  targetPath?: string;
  format?: string;
  state?: string;
  mode?: string;
  incremental?: string;
}

export interface BackupWire {
  mode: string;
  incremental?: string;
  disks: BackupWireDisk[];
}

/** `virsh backup-dumpxml`: what the running job does. */
export function parseBackupXml(xml: string): BackupWire {
  const root = parseXmlRoot(xml, "domainbackup");
  return {
    mode: attr(root, "mode") ?? "push",
    incremental: text(child(root, "incremental"))?.trim() || undefined,
    disks: children(child(root, "disks"), "disk").map((d) => ({
      name: attr(d, "name") ?? "",
      backup: attr(d, "backup") !== "no",
      targetPath: attr(child(d, "target"), "file"),
      format: attr(child(d, "driver"), "type"),
      state: attr(d, "state"),
      mode: attr(d, "backupmode"),
      incremental: attr(d, "incremental"),
    })),
  };
}

export interface CheckpointSpec {
  name: string;
  description?: string;
  /** Disks and whether each gets a dirty bitmap (qcow2 only: raw disks cannot hold one). */
  disks: { name: string; bitmap: boolean }[];
}

/** `<domaincheckpoint>` handed to backup-begin: the point the next incremental starts from. */
export function checkpointXmlBuild(spec: CheckpointSpec): string {
  const { root } = xmlNewDocument("domaincheckpoint");
  xmlAppend(root, "name", {}, spec.name);
  if (spec.description) xmlAppend(root, "description", {}, spec.description);
  const disks = xmlAppend(root, "disks");
  for (const d of spec.disks) xmlAppend(disks, "disk", { name: d.name, checkpoint: d.bitmap ? "bitmap" : "no" });
  return xmlSerialize(root);
}

export interface CheckpointDetail {
  name: string;
  description?: string;
  parent?: string;
  creationTime?: number;
  /** Disks with a bitmap, and the bitmap's name. */
  disks: { name: string; checkpoint: string; bitmap?: string; size?: number }[];
}

/** `virsh checkpoint-dumpxml [--size]`: the checkpoint with its disks (and dirty bytes when asked). */
export function parseCheckpointDetail(xml: string): CheckpointDetail {
  const c = parseXmlRoot(xml, "domaincheckpoint");
  return {
    name: text(child(c, "name"))?.trim() ?? "",
    description: text(child(c, "description"))?.trim() || undefined,
    parent: text(path(c, "parent", "name"))?.trim() || undefined,
    creationTime: int(text(child(c, "creationTime"))),
    disks: children(child(c, "disks"), "disk").map((d) => ({
      name: attr(d, "name") ?? "",
      checkpoint: attr(d, "checkpoint") ?? "bitmap",
      bitmap: attr(d, "bitmap"),
      size: int(attr(d, "size")),
    })),
  };
}
