import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { virshNames } from "@/lib/libvirt/names-parse";
import { parseCheckpointDetail, type CheckpointDetail } from "@/lib/libvirt/backup-xml";

/**
 * Checkpoints of a domain (the dirty bitmaps incremental backups start from).
 * https://libvirt.org/formatcheckpoint.html
 */

type Domain = { host: HostClient; uuid: string };

/** Checkpoint names of a domain, parents first. */
export async function checkpointNames({ host, uuid }: Domain): Promise<string[]> {
  const [out] = await host.virsh({
    command: "checkpoint-list",
    args: [{ domain: uuid }, { flag: "--name" }, { flag: "--topological" }],
  });
  return virshNames(out);
}

/** One checkpoint with its disks and bitmaps; null when the domain has no such checkpoint. */
export async function checkpointDetail({
  host,
  uuid,
  name,
}: Domain & { name: string }): Promise<CheckpointDetail | null> {
  const [r] = await host.virshTry({ command: "checkpoint-dumpxml", args: [{ domain: uuid }, { arg: name }] });
  if (!r.ok) {
    if (/no domain checkpoint|not found/i.test(r.stderr)) return null;
    throw new Error(`${host.host.name}: ${r.stderr.trim()}`);
  }
  return parseCheckpointDetail(r.stdout);
}

/**
 * Deletes a checkpoint (its bitmaps merge into its parent, as libvirt does). Returns false when it
 * was already gone.
 */
export async function checkpointDelete({ host, uuid, name }: Domain & { name: string }): Promise<boolean> {
  const [r] = await host.virshTry({ command: "checkpoint-delete", args: [{ domain: uuid }, { arg: name }] });
  if (r.ok) return true;
  if (/no domain checkpoint|not found/i.test(r.stderr)) return false;
  throw new Error(`${host.host.name}: could not delete checkpoint ${name}: ${r.stderr.trim()}`);
}
