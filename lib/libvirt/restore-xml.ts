import "server-only";
import { attr, child, children } from "./xml";
import { xmlEnsureChild, xmlParseDocument, xmlRemove, xmlSerialize, xmlSetText } from "./xml-build";

/**
 * The definition of a VM restored from a backup point, as a new VM: a new name and UUID, no MAC
 * addresses (libvirt generates fresh ones), each backed-up disk on its restored file (with its
 * format), other disks (CD-ROMs) left empty, no backing-store chains.
 */
export function restoreXmlBuild(
  xml: string,
  o: { name: string; uuid: string; disks: Map<string, { path: string; format: string }>; noNetwork?: boolean },
): string {
  const { root } = xmlParseDocument(xml, "domain");
  xmlSetText(xmlEnsureChild(root, "name"), o.name);
  xmlSetText(xmlEnsureChild(root, "uuid"), o.uuid);
  const devices = child(root, "devices");
  for (const nic of children(devices, "interface")) {
    if (o.noNetwork) xmlRemove(nic);
    else xmlRemove(child(nic, "mac"));
  }
  for (const disk of children(devices, "disk")) {
    const target = attr(child(disk, "target"), "dev") ?? "";
    xmlRemove(child(disk, "backingStore"));
    const restored = o.disks.get(target);
    if (!restored) {
      if ((attr(disk, "device") ?? "disk") === "disk") xmlRemove(disk);
      else xmlRemove(child(disk, "source"));
      continue;
    }
    disk.setAttribute("type", "file");
    const source = child(disk, "source");
    if (source) xmlRemove(source);
    const s = disk.ownerDocument!.createElement("source");
    s.setAttribute("file", restored.path);
    const driver = xmlEnsureChild(disk, "driver");
    if (!driver.getAttribute("name")) driver.setAttribute("name", "qemu");
    driver.setAttribute("type", restored.format);
    disk.insertBefore(s, child(disk, "target") ?? null);
  }
  return xmlSerialize(root);
}
