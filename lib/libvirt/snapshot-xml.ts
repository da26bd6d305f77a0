import "server-only";
import { attr, child, children, int, parseXmlRoot, path, text } from "./xml";
import {
  xmlAppend,
  xmlEnsureChild,
  xmlNewDocument,
  xmlParseDocument,
  xmlRemove,
  xmlSerialize,
  xmlSetText,
} from "./xml-build";

/**
 * `virsh snapshot-dumpxml` / `checkpoint-dumpxml` -> what a snapshot list shows, and the snapshot XML
 * virtdeck hands to `snapshot-create` (built through the DOM: names and descriptions are text nodes).
 * https://libvirt.org/formatsnapshot.html https://libvirt.org/formatcheckpoint.html
 */

/** Where a disk's or the memory's snapshot lives (`snapshot` attribute); "no": not part of it. */
export type SnapshotLocation = "no" | "internal" | "external" | "manual";

export interface SnapshotDiskWire {
  /** Target (vda) or source path, as libvirt names it. */
  name: string;
  snapshot?: SnapshotLocation;
  /** External overlay file (external disks only). */
  file?: string;
  /** Overlay format (external disks). */
  driverType?: string;
}

export interface SnapshotWire {
  name: string;
  description?: string;
  /** The domain state when it was taken (running, paused, shutoff, disk-snapshot...). */
  state?: string;
  parent?: string;
  /** Seconds since the epoch. */
  creationTime?: number;
  /** Memory state location: no | internal | external, when stated. */
  memory?: string;
  /** External memory state file. */
  memoryFile?: string;
  /** Disk-only: external disk overlays without memory state, taken with --disk-only. */
  diskOnly: boolean;
  /** Each disk's part in the snapshot. */
  disks: SnapshotDiskWire[];
  /**
   * internal: every disk (and the memory) inside the qcow2 images; external: overlays (and a memory
   * file); mixed: both; none: no disk nor memory state (metadata only).
   */
  location: "internal" | "external" | "mixed" | "none";
}

const LOCATIONS: readonly string[] = ["no", "internal", "external", "manual"];
const loc = (v: string | undefined): SnapshotLocation | undefined =>
  v !== undefined && LOCATIONS.includes(v) ? (v as SnapshotLocation) : undefined;

/** internal/external/mixed/none from the disks' and the memory's locations. */
export function snapshotLocationOf(disks: SnapshotDiskWire[], memory?: string): SnapshotWire["location"] {
  const parts = [...disks.map((d) => d.snapshot), memory].filter(
    (l): l is string => l === "internal" || l === "external",
  );
  const hasInt = parts.includes("internal");
  const hasExt = parts.includes("external");
  return hasInt && hasExt ? "mixed" : hasExt ? "external" : hasInt ? "internal" : "none";
}

export function parseSnapshotXml(xml: string): SnapshotWire {
  const s = parseXmlRoot(xml, "domainsnapshot");
  const disks = children(child(s, "disks"), "disk").map((d) => ({
    name: attr(d, "name") ?? "",
    snapshot: loc(attr(d, "snapshot")),
    file: attr(child(d, "source"), "file"),
    driverType: attr(child(d, "driver"), "type"),
  }));
  const memoryEl = child(s, "memory");
  const memory = attr(memoryEl, "snapshot");
  const state = text(child(s, "state"))?.trim();
  return {
    name: text(child(s, "name"))?.trim() ?? "",
    description: text(child(s, "description"))?.trim() || undefined,
    state,
    parent: text(path(s, "parent", "name"))?.trim(),
    creationTime: int(text(child(s, "creationTime"))?.trim()),
    memory,
    memoryFile: attr(memoryEl, "file"),
    // --disk-only of a running VM records "disk-snapshot"; of a shut-off one "shutoff" with external disks.
    diskOnly: state === "disk-snapshot" || (disks.some((x) => x.snapshot === "external") && memory !== "external"),
    disks,
    location: snapshotLocationOf(disks, memory),
  };
}

/** One disk of a snapshot to create: its target and where its state goes. */
export interface SnapshotDiskSpec {
  /** Target name as in the domain (vda, sdb). */
  target: string;
  snapshot: "no" | "internal" | "external";
  /** External overlay path (absolute); when absent libvirt picks one next to the image. */
  file?: string;
}

export interface SnapshotBuildSpec {
  name: string;
  description?: string;
  /** no: disk-only (or a shut-off VM); internal: the running VM's RAM inside the qcow2 images. */
  memory: "no" | "internal";
  disks: SnapshotDiskSpec[];
}

/**
 * `<domainsnapshot>` for `snapshot-create`: name, description, memory, one `<disk>` per disk.
 * External disks get a qcow2 overlay (`<driver type='qcow2'/>`, `<source file>` when given).
 */
export function snapshotXmlBuild(spec: SnapshotBuildSpec): string {
  const { root } = xmlNewDocument("domainsnapshot");
  xmlAppend(root, "name", {}, spec.name);
  if (spec.description) xmlAppend(root, "description", {}, spec.description);
  xmlAppend(root, "memory", { snapshot: spec.memory });
  const disks = xmlAppend(root, "disks");
  for (const d of spec.disks) {
    const disk = xmlAppend(disks, "disk", { name: d.target, snapshot: d.snapshot });
    if (d.snapshot === "external") {
      xmlAppend(disk, "driver", { type: "qcow2" });
      if (d.file) xmlAppend(disk, "source", { file: d.file });
    }
  }
  return xmlSerialize(root);
}

/**
 * The full `snapshot-dumpxml` with a new name and/or description, for `snapshot-create --redefine`
 * (libvirt's way to edit snapshot metadata without the interactive `snapshot-edit`). An empty
 * description removes it.
 */
export function snapshotXmlEdit(xml: string, change: { name?: string; description?: string }): string {
  const { root } = xmlParseDocument(xml, "domainsnapshot");
  if (change.name !== undefined) xmlSetText(xmlEnsureChild(root, "name"), change.name);
  if (change.description !== undefined) {
    const existing = child(root, "description");
    if (!change.description) xmlRemove(existing);
    else if (existing) xmlSetText(existing, change.description);
    else {
      // Right after <name>, where libvirt writes it.
      const node = root.ownerDocument!.createElement("description");
      node.appendChild(root.ownerDocument!.createTextNode(change.description));
      const name = child(root, "name");
      root.insertBefore(node, name ? name.nextSibling : root.firstChild);
    }
  }
  return xmlSerialize(root);
}

/** What snapshot planning needs of a domain's (live) XML. */
export interface SnapshotDomainFacts {
  name: string;
  disks: {
    target: string;
    /** disk | cdrom | floppy | lun */
    device: string;
    /** file | block | network | volume | dir */
    type: string;
    path?: string;
    format?: string;
    readonly: boolean;
    shareable: boolean;
    /** The image has a backing file (an overlay: a linked clone's, or an external snapshot's). */
    backed: boolean;
  }[];
  /** UEFI variables in pflash: internal snapshots cannot hold them (libvirt refuses them from 9.2). */
  pflash: boolean;
  /** The guest agent's channel is connected (live XML only). */
  agentConnected: boolean;
}

export function snapshotDomainFacts(domainXml: string): SnapshotDomainFacts {
  const d = parseXmlRoot(domainXml, "domain");
  const devices = child(d, "devices");
  const disks = children(devices, "disk").map((disk) => {
    const source = child(disk, "source");
    const backing = child(disk, "backingStore");
    return {
      target: attr(child(disk, "target"), "dev") ?? "",
      device: attr(disk, "device") ?? "disk",
      type: attr(disk, "type") ?? "file",
      path: attr(source, "file") ?? attr(source, "dev"),
      format: attr(child(disk, "driver"), "type"),
      readonly: !!child(disk, "readonly"),
      shareable: !!child(disk, "shareable"),
      backed: !!backing && !!child(backing, "source"),
    };
  });
  const agentConnected = children(devices, "channel").some((c) => {
    const t = child(c, "target");
    return attr(t, "name") === "org.qemu.guest_agent.0" && attr(t, "state") === "connected";
  });
  return {
    name: text(child(d, "name"))?.trim() ?? "",
    disks,
    pflash: attr(path(d, "os", "loader"), "type") === "pflash",
    agentConnected,
  };
}

export interface CheckpointWire {
  name: string;
  description?: string;
  parent?: string;
  creationTime?: number;
}

export function parseCheckpointXml(xml: string): CheckpointWire {
  const c = parseXmlRoot(xml, "domaincheckpoint");
  return {
    name: text(child(c, "name"))?.trim() ?? "",
    description: text(child(c, "description"))?.trim() || undefined,
    parent: text(path(c, "parent", "name"))?.trim(),
    creationTime: int(text(child(c, "creationTime"))?.trim()),
  };
}
