import "server-only";
import { poolVgName, type PoolSpec } from "@/lib/contracts/storage-pool";
import { xmlAppend, xmlNewDocument, xmlSerialize } from "./xml-build";
import { attr, child, children, int, parseXmlRoot, path, text } from "./xml";
import { parsePoolXml, type PoolWire } from "./storage-xml";

/*
 * Storage pool XML for the pool types virtdeck creates (dir, fs, netfs, logical, iscsi, disk): a DOM
 * builder from a validated spec (lib/contracts/storage-pool.ts) and a parser of `pool-dumpxml` with
 * the pool's source. https://libvirt.org/formatstorage.html#storage-pool-xml
 */

export interface PoolSourceWire {
  /** NFS server or iSCSI portal. */
  host?: string;
  port?: number;
  /** NFS export. */
  dir?: string;
  /** Block devices (fs, logical, disk) or the iSCSI target IQN (iscsi). */
  devices: string[];
  /** Volume group (logical). */
  name?: string;
  format?: string;
  initiator?: string;
}

export interface PoolDetailWire extends PoolWire {
  uuid?: string;
  source: PoolSourceWire;
}

/** `pool-dumpxml` -> name, sizes, target and source. */
export function parsePoolDetailXml(xml: string): PoolDetailWire {
  const pool = parseXmlRoot(xml, "pool");
  const src = child(pool, "source");
  const host = child(src, "host");
  return {
    ...parsePoolXml(xml),
    uuid: text(child(pool, "uuid"))?.trim(),
    source: {
      host: attr(host, "name"),
      port: int(attr(host, "port")),
      dir: attr(child(src, "dir"), "path"),
      devices: children(src, "device").flatMap((d) => attr(d, "path") ?? []),
      name: text(child(src, "name"))?.trim(),
      format: attr(child(src, "format"), "type"),
      initiator: attr(path(src, "initiator", "iqn"), "name"),
    },
  };
}

/** Where libvirt puts the volumes of a pool type without a directory of its own. */
function targetOf(spec: PoolSpec): string {
  switch (spec.type) {
    case "dir":
    case "fs":
    case "netfs":
      return spec.targetPath;
    case "logical":
      return `/dev/${poolVgName(spec)}`;
    case "iscsi":
      return "/dev/disk/by-path";
    case "disk":
      return "/dev";
  }
}

/**
 * A validated create request as pool XML, through the DOM: every name, path and address is an
 * attribute or a text node, never spliced into markup.
 */
export function poolXmlBuild(spec: PoolSpec): string {
  const { root } = xmlNewDocument("pool");
  root.setAttribute("type", spec.type);
  xmlAppend(root, "name", {}, spec.name);
  if (spec.type !== "dir") {
    const src = xmlAppend(root, "source");
    switch (spec.type) {
      case "fs":
        xmlAppend(src, "device", { path: spec.sourceDevice });
        xmlAppend(src, "format", { type: spec.format });
        break;
      case "netfs":
        xmlAppend(src, "host", { name: spec.sourceHost });
        xmlAppend(src, "dir", { path: spec.sourcePath });
        xmlAppend(src, "format", { type: "nfs" });
        break;
      case "logical":
        for (const d of spec.sourceDevices) xmlAppend(src, "device", { path: d });
        xmlAppend(src, "name", {}, poolVgName(spec));
        xmlAppend(src, "format", { type: "lvm2" });
        break;
      case "iscsi":
        xmlAppend(src, "host", { name: spec.sourceHost, port: spec.port });
        xmlAppend(src, "device", { path: spec.target });
        if (spec.initiator) xmlAppend(xmlAppend(src, "initiator"), "iqn", { name: spec.initiator });
        break;
      case "disk":
        xmlAppend(src, "device", { path: spec.sourceDevice });
        xmlAppend(src, "format", { type: spec.format });
        break;
    }
  }
  xmlAppend(xmlAppend(root, "target"), "path", {}, targetOf(spec));
  return xmlSerialize(root);
}
