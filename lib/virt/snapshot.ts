import "server-only";
import { SLOW_TIMEOUT_MS, type HostClient, type VirshResult } from "@/lib/hosts/client";
import { parseVersion, type Version } from "@/lib/libvirt/version-parse";
import { virshNames } from "@/lib/libvirt/names-parse";
import {
  parseCheckpointXml,
  parseSnapshotXml,
  type CheckpointWire,
  type SnapshotWire,
} from "@/lib/libvirt/snapshot-xml";

/**
 * Snapshots and checkpoints of a domain: list, XML; snapshot create, redefine (edit), revert, delete.
 * https://libvirt.org/formatsnapshot.html https://libvirt.org/manpages/virsh.html#snapshot-commands
 */

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

/** The current snapshot's name, or null when the domain has none. */
export async function snapshotCurrentName({ host, uuid }: Domain): Promise<string | null> {
  const [r] = await host.virshTry({ command: "snapshot-current", args: [{ domain: uuid }, { flag: "--name" }] });
  if (!r.ok) return null;
  return r.stdout.trim() || null;
}

/** Every snapshot parsed, with the current one's name, in one session batch after the list. */
export async function snapshotTreeRead({
  host,
  uuid,
}: Domain): Promise<{ snapshots: SnapshotWire[]; current: string | null }> {
  const [snapshots, current] = await Promise.all([snapshotGetAll({ host, uuid }), snapshotCurrentName({ host, uuid })]);
  return { snapshots, current };
}

export interface SnapshotCreateFlags {
  /** External, disk-only (no RAM): `--disk-only`. */
  diskOnly?: boolean;
  /** Freeze the guest's filesystems through its agent while the overlays are made. */
  quiesce?: boolean;
}

/**
 * `snapshot-create` from XML on stdin (one-shot: the XML is never on a command line), always
 * `--atomic`: either every disk gets its snapshot or libvirt rolls back and none does.
 */
export async function snapshotCreate({
  host,
  uuid,
  xml,
  diskOnly,
  quiesce,
}: Domain & { xml: string } & SnapshotCreateFlags): Promise<VirshResult> {
  const flags = [
    { flag: "--atomic" },
    ...(diskOnly ? [{ flag: "--disk-only" }] : []),
    ...(quiesce ? [{ flag: "--quiesce" }] : []),
  ];
  return host.virshExecTry(
    { command: "snapshot-create", args: [{ domain: uuid }, { arg: "/dev/stdin" }, ...flags] },
    { stdin: xml, timeoutMs: SLOW_TIMEOUT_MS },
  );
}

/**
 * Rewrites a snapshot's metadata: `snapshot-create --redefine` with a full `snapshot-dumpxml`
 * (libvirt's non-interactive form of `snapshot-edit`); `current` makes it the current snapshot.
 */
export async function snapshotRedefine({
  host,
  uuid,
  xml,
  current,
}: Domain & { xml: string; current?: boolean }): Promise<void> {
  await host.virshExec(
    {
      command: "snapshot-create",
      args: [
        { domain: uuid },
        { arg: "/dev/stdin" },
        { flag: "--redefine" },
        ...(current ? [{ flag: "--current" }] : []),
      ],
    },
    { stdin: xml, timeoutMs: 60_000 },
  );
}

/** `snapshot-revert`; `after` running/paused forces that state, else the VM ends as the snapshot was taken. */
export async function snapshotRevert({
  host,
  uuid,
  name,
  after,
}: Domain & { name: string; after?: "running" | "paused" }): Promise<VirshResult> {
  return host.virshSlowTry({
    command: "snapshot-revert",
    args: [{ domain: uuid }, { arg: name }, ...(after ? [{ flag: `--${after}` }] : [])],
  });
}

/**
 * `snapshot-delete`: `children` with its descendants; `metadataOnly` forgets libvirt's record and leaves
 * the images as they are. Deleting an external snapshot merges its overlay into its parent (block
 * commit, libvirt 9.0 and later).
 */
export async function snapshotDelete({
  host,
  uuid,
  name,
  children,
  metadataOnly,
}: Domain & { name: string; children?: boolean; metadataOnly?: boolean }): Promise<VirshResult> {
  return host.virshSlowTry({
    command: "snapshot-delete",
    args: [
      { domain: uuid },
      { arg: name },
      ...(children ? [{ flag: "--children" }] : []),
      ...(metadataOnly ? [{ flag: "--metadata" }] : []),
    ],
  });
}

/** Progress of a disk's block job (`blockjob --info --raw`): null when none runs. */
export async function blockJobProgress({
  host,
  uuid,
  disk,
}: Domain & { disk: string }): Promise<{ cur: number; end: number } | null> {
  const [r] = await host.virshTry({
    command: "blockjob",
    args: [{ domain: uuid }, { arg: disk }, { flag: "--info" }, { flag: "--raw" }],
  });
  if (!r.ok) return null;
  const cur = /\bcur=(\d+)/.exec(r.stdout);
  const end = /\bend=(\d+)/.exec(r.stdout);
  return cur && end ? { cur: Number(cur[1]), end: Number(end[1]) } : null;
}

/** The libvirt daemon's version (`virsh version --daemon`), else the library's. */
export async function libvirtVersion({ host }: { host: HostClient }): Promise<Version> {
  const [out] = await host.virsh({ command: "version", args: [{ flag: "--daemon" }] });
  const v = parseVersion(out);
  return v.daemon ?? v.library.version;
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
