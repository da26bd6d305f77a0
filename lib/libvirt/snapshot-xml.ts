import "server-only";
import { child, int, parseXmlRoot, path, text } from "./xml";

/**
 * `virsh snapshot-dumpxml` / `checkpoint-dumpxml` -> what a snapshot list shows.
 * https://libvirt.org/formatsnapshot.html https://libvirt.org/formatcheckpoint.html
 */
export interface SnapshotWire {
  name: string;
  description?: string;
  /** The domain state when it was taken (running, shutoff, disk-snapshot...). */
  state?: string;
  parent?: string;
  /** Seconds since the epoch. */
  creationTime?: number;
  /** internal | external (memory snapshot location), when stated. */
  memory?: string;
}

export function parseSnapshotXml(xml: string): SnapshotWire {
  const s = parseXmlRoot(xml, "domainsnapshot");
  return {
    name: text(child(s, "name"))?.trim() ?? "",
    description: text(child(s, "description"))?.trim() || undefined,
    state: text(child(s, "state"))?.trim(),
    parent: text(path(s, "parent", "name"))?.trim(),
    creationTime: int(text(child(s, "creationTime"))?.trim()),
    memory: child(s, "memory")?.getAttribute("snapshot") ?? undefined,
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
