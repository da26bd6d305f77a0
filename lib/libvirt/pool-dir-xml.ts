import "server-only";
import { xmlAppend, xmlNewDocument, xmlSerialize } from "./xml-build";

/**
 * The XML of a directory storage pool (`<pool type='dir'>` with its target path), built with the DOM.
 * https://libvirt.org/formatstorage.html
 */
export function dirPoolXmlBuild({ name, path }: { name: string; path: string }): string {
  const { doc, root } = xmlNewDocument("pool");
  root.setAttribute("type", "dir");
  xmlAppend(root, "name", {}, name);
  xmlAppend(xmlAppend(root, "target"), "path", {}, path);
  return xmlSerialize(doc);
}
