import "server-only";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { SnapshotCreate, SnapshotDeleteMode, SnapshotView } from "@/lib/contracts/snapshot";
import { snapshotXmlBuild, type SnapshotDomainFacts, type SnapshotWire } from "@/lib/libvirt/snapshot-xml";
import { versionAtLeast, type Version } from "@/lib/libvirt/version-parse";

/**
 * What virtdeck lets libvirt do with snapshots, decided before anything reaches the host: the
 * snapshot XML for a create, and a refusal (why, and what to do instead) for the mixes libvirt
 * handles badly. Pure: the service feeds it the domain's live XML, its snapshots and libvirt's version.
 */

/** Disks a snapshot covers: writable disk drives; CD-ROMs, floppies, read-only and shared disks are left out. */
export function snapshotDisksOf(facts: SnapshotDomainFacts) {
  return facts.disks.filter((d) => d.device === "disk" && !d.readonly && !d.shareable);
}

const hasExternal = (s: SnapshotWire) => s.location === "external" || s.location === "mixed";

/** Why an internal snapshot of this VM would be refused, or null. */
export function internalRefusal(facts: SnapshotDomainFacts, snapshots: SnapshotWire[]): string | null {
  const disks = snapshotDisksOf(facts);
  if (!disks.length) return "The VM has no writable disk to snapshot.";
  const ext = snapshots.find(hasExternal);
  if (ext)
    return (
      `The VM runs on external snapshot overlays (snapshot "${ext.name}"): libvirt cannot mix internal ` +
      "snapshots into an external chain. Take an external snapshot, or merge the external snapshots into " +
      "their parents first."
    );
  const notQcow2 = disks.find((d) => d.format !== "qcow2");
  if (notQcow2)
    return (
      `Disk ${notQcow2.target} is ${notQcow2.format ?? "of unknown format"}: internal snapshots live inside ` +
      "qcow2 images only. Take an external (disk-only) snapshot instead: it works with any disk format."
    );
  if (facts.pflash)
    return (
      "The VM boots UEFI firmware with its variables in pflash, which an internal snapshot cannot hold " +
      "(libvirt refuses it from 9.2). Take an external (disk-only) snapshot instead."
    );
  return null;
}

/** Why an external disk-only snapshot of this VM would be refused, or null. */
export function externalRefusal(facts: SnapshotDomainFacts): string | null {
  const disks = snapshotDisksOf(facts);
  if (!disks.length) return "The VM has no writable disk to snapshot.";
  const odd = disks.find((d) => (d.type !== "file" && d.type !== "block") || !d.path);
  if (odd)
    return (
      `Disk ${odd.target} is a ${odd.type} disk: virtdeck makes external snapshot overlays next to file and ` +
      "block device disks only. Snapshot that VM with libvirt's tools, or move the disk to a file."
    );
  return null;
}

/** "web.snap-20261207T150000-ab12" stem: earlier snapshot stamps are dropped so names do not grow. */
const STAMP = /\.snap-\d{8}T\d{6}-[0-9a-f]{4}$/;

/** The overlay path of a disk for an external snapshot: next to the image, one per snapshot. */
export function overlayPath(diskPath: string, now: Date, suffix = randomBytes(2).toString("hex")): string {
  const dir = path.posix.dirname(diskPath);
  let stem = path.posix.basename(diskPath).replace(/\.(qcow2|img|raw)$/i, "");
  while (STAMP.test(stem)) stem = stem.replace(STAMP, "");
  const stamp = now.toISOString().replace(/[-:]/g, "").slice(0, 15);
  // Block devices live in /dev: their overlays go to libvirt's default image directory.
  const base = dir === "/dev" || dir.startsWith("/dev/") ? "/var/lib/libvirt/images" : dir;
  return `${base}/${stem}.snap-${stamp}-${suffix}.qcow2`;
}

export interface CreatePlan {
  xml: string;
  diskOnly: boolean;
  quiesce: boolean;
  /** External overlay files the snapshot makes (removed again when the create fails). */
  overlays: string[];
}

/** Refuses or plans a snapshot: a string is the refusal. */
export function createPlan(
  req: SnapshotCreate,
  facts: SnapshotDomainFacts,
  snapshots: SnapshotWire[],
  vmState: string,
  now = new Date(),
): CreatePlan | string {
  if (snapshots.some((s) => s.name === req.name)) return `A snapshot named "${req.name}" exists already.`;
  const running = vmState === "running" || vmState === "paused";
  const covered = new Set(snapshotDisksOf(facts).map((d) => d.target));
  if (req.kind === "internal") {
    const why = internalRefusal(facts, snapshots);
    if (why) return why;
    // Tried on libvirt 9.0 / QEMU 7.2: the name goes to QEMU's monitor, which drops a snapshot named
    // with '"' or '\\' while virsh reports success; reverting to it then fails.
    if (running && /["\\]/.test(req.name))
      return (
        "The name holds '\"' or '\\': libvirt hands a running VM's internal snapshot name to QEMU's monitor, " +
        "which loses such snapshots. Choose a name without them, or take an external snapshot."
      );
    const xml = snapshotXmlBuild({
      name: req.name,
      description: req.description,
      memory: running ? "internal" : "no",
      disks: facts.disks.map((d) => ({ target: d.target, snapshot: covered.has(d.target) ? "internal" : "no" })),
    });
    return { xml, diskOnly: false, quiesce: false, overlays: [] };
  }
  const why = externalRefusal(facts);
  if (why) return why;
  const overlays: string[] = [];
  const xml = snapshotXmlBuild({
    name: req.name,
    description: req.description,
    memory: "no",
    disks: facts.disks.map((d) => {
      if (!covered.has(d.target)) return { target: d.target, snapshot: "no" as const };
      const file = overlayPath(d.path!, now);
      overlays.push(file);
      return { target: d.target, snapshot: "external" as const, file };
    }),
  });
  return { xml, diskOnly: true, quiesce: running && vmState === "running" && facts.agentConnected, overlays };
}

/** libvirt reverts external snapshots from 9.7.0. */
export const externalRevertSupported = (v: Version | null) => !!v && versionAtLeast(v, 9, 7, 0);
/** libvirt deletes (merges) external snapshots from 9.0.0. */
export const externalDeleteSupported = (v: Version | null) => !!v && versionAtLeast(v, 9, 0, 0);

export function revertRefusal(s: SnapshotWire, version: Version | null): string | null {
  if (hasExternal(s) && !externalRevertSupported(version))
    return (
      `"${s.name}" is an external snapshot and libvirt ${version?.text ?? "(unknown version)"} on this host ` +
      "cannot revert to external snapshots (libvirt 9.7 and later can). Upgrade libvirt on the host, or " +
      "clone the VM's disks from the snapshot's images; merging it into its parent keeps the current state."
    );
  return null;
}

/** Names of a snapshot's descendants, nearest first. */
export function descendantsOf(name: string, snapshots: SnapshotWire[]): SnapshotWire[] {
  const out: SnapshotWire[] = [];
  let level = [name];
  while (level.length) {
    const next = snapshots.filter((s) => s.parent !== undefined && level.includes(s.parent));
    out.push(...next);
    level = next.map((s) => s.name);
  }
  return out;
}

export function deleteRefusal(
  s: SnapshotWire,
  mode: SnapshotDeleteMode,
  snapshots: SnapshotWire[],
  version: Version | null,
): string | null {
  const kids = snapshots.filter((c) => c.parent === s.name);
  const external = hasExternal(s);
  if (mode === "merge") {
    if (!external) return `"${s.name}" is an internal snapshot: there is no overlay to merge. Delete it instead.`;
    if (!externalDeleteSupported(version))
      return `libvirt ${version?.text ?? "(unknown version)"} on this host cannot merge external snapshots (9.0 and later can).`;
    return null;
  }
  if (external)
    return (
      `"${s.name}" is an external snapshot: its overlay holds the VM's writes since it was taken, so deleting ` +
      'it means merging it into its parent. Choose "merge into parent".'
    );
  if (mode === "leaf" && kids.length)
    return (
      `"${s.name}" has ${kids.length} child snapshot(s) (${kids.map((k) => k.name).join(", ")}): delete the ` +
      "subtree, or delete the children first."
    );
  if (mode === "subtree") {
    const ext = descendantsOf(s.name, snapshots).find(hasExternal);
    if (ext)
      return `The subtree holds the external snapshot "${ext.name}": merge it into its parent first, then delete the subtree.`;
  }
  return null;
}

/** Rename refusals: an internal snapshot is found by its name inside the qcow2 images. */
export function renameRefusal(s: SnapshotWire, newName: string, snapshots: SnapshotWire[]): string | null {
  if (newName === s.name) return null;
  if (snapshots.some((o) => o.name === newName)) return `A snapshot named "${newName}" exists already.`;
  if (s.location === "internal" || s.location === "mixed")
    return (
      `"${s.name}" is an internal snapshot: the qcow2 images know it by that name, so renaming it would ` +
      "break reverting to it. Change its description instead."
    );
  if (snapshots.some((c) => c.parent === s.name))
    return `"${s.name}" has child snapshots that refer to it by name: rename a snapshot without children only.`;
  return null;
}

/** The tree as the API shows it (parents before children, as libvirt lists them). */
export function snapshotViews(
  snapshots: SnapshotWire[],
  current: string | null,
  scheduled: Set<string>,
): SnapshotView[] {
  return snapshots.map((s) => ({
    name: s.name,
    description: s.description ?? null,
    parent: s.parent ?? null,
    createdAt: s.creationTime !== undefined ? new Date(s.creationTime * 1000).toISOString() : null,
    state: s.state ?? null,
    memory: s.memory === "internal" || s.memory === "external",
    diskOnly: s.diskOnly,
    location: s.location,
    current: s.name === current,
    children: snapshots.filter((c) => c.parent === s.name).map((c) => c.name),
    scheduled: scheduled.has(s.name),
  }));
}
