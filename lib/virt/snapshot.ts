import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import { virshNames } from "@/lib/libvirt/names-parse";
import {
  parseCheckpointXml,
  parseSnapshotXml,
  type CheckpointWire,
  type SnapshotWire,
} from "@/lib/libvirt/snapshot-xml";

/** Snapshots and checkpoints of a domain (read side: list, XML). https://libvirt.org/formatsnapshot.html */

type Domain = { host: HostClient; uuid: string };

/** Snapshot names of a domain, parents before children. */
export async function snapshotList({ host, uuid }: Domain): Promise<string[]> {
  const [out] = await host.virsh({
    command: "snapshot-list",
    args: [{ domain: uuid }, { flag: "--name" }, { flag: "--topological" }],
  });
  return virshNames(out);
}

/** `snapshot-dumpxml` of one snapshot. */
export async function snapshotXmlGet({ host, uuid, name }: Domain & { name: string }): Promise<string> {
  const [xml] = await host.virsh({ command: "snapshot-dumpxml", args: [{ domain: uuid }, { arg: name }] });
  return xml;
}

/** Every snapshot of a domain, parsed, in one batch after the list. */
export async function snapshotGetAll({ host, uuid }: Domain): Promise<SnapshotWire[]> {
  const names = await snapshotList({ host, uuid });
  if (!names.length) return [];
  const xmls = await host.virshTry(
    ...names.map((n) => ({ command: "snapshot-dumpxml" as const, args: [{ domain: uuid }, { arg: n }] })),
  );
  return xmls.flatMap((r) => (r.ok ? [parseSnapshotXml(r.stdout)] : []));
}

/** Checkpoint names of a domain, parents before children. */
export async function checkpointList({ host, uuid }: Domain): Promise<string[]> {
  const [out] = await host.virsh({
    command: "checkpoint-list",
    args: [{ domain: uuid }, { flag: "--name" }, { flag: "--topological" }],
  });
  return virshNames(out);
}

/** `checkpoint-dumpxml` of one checkpoint, parsed. */
export async function checkpointGet({ host, uuid, name }: Domain & { name: string }): Promise<CheckpointWire> {
  const [xml] = await host.virsh({ command: "checkpoint-dumpxml", args: [{ domain: uuid }, { arg: name }] });
  return parseCheckpointXml(xml);
}
