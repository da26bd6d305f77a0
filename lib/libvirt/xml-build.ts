import "server-only";
import { DOMImplementation, DOMParser, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";
import { LibvirtParseError } from "./xml";

/*
 * Building and rewriting libvirt XML through a DOM: every value is a text node or an attribute,
 * so a title or MAC holding quotes or angle brackets is escaped by the serializer, never parsed.
 */

export function xmlNewDocument(rootName: string): { doc: Document; root: Element } {
  const doc = new DOMImplementation().createDocument(null, rootName, null);
  return { doc, root: doc.documentElement! };
}

/** Parses libvirt's XML for rewriting; any XML error is fatal. */
export function xmlParseDocument(xml: string, rootName: string): { doc: Document; root: Element } {
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") throw new Error(msg);
      },
    }).parseFromString(xml, "text/xml");
  } catch (err) {
    throw new LibvirtParseError(rootName, (err as Error).message, { cause: err });
  }
  const root = doc.documentElement;
  if (!root || root.tagName !== rootName) {
    throw new LibvirtParseError(rootName, `expected <${rootName}>, got <${root?.tagName ?? "nothing"}>`);
  }
  return { doc, root };
}

export function xmlSerialize(node: Document | Element): string {
  return new XMLSerializer().serializeToString(node);
}

/** Appends <tag attrs...>text</tag> to parent; undefined attribute values are left out. */
export function xmlAppend(
  parent: Element,
  tag: string,
  attrs: Record<string, string | number | undefined> = {},
  text?: string | number,
): Element {
  const doc = parent.ownerDocument!;
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) node.setAttribute(k, String(v));
  if (text !== undefined) node.appendChild(doc.createTextNode(String(text)));
  parent.appendChild(node);
  return node;
}

/** The direct child named tag, created (appended) when missing. */
export function xmlEnsureChild(parent: Element, tag: string): Element {
  for (let n = parent.firstChild; n; n = n.nextSibling) {
    if (n.nodeType === 1 && (n as Element).tagName === tag) return n as Element;
  }
  return xmlAppend(parent, tag);
}

/** Replaces an element's content with one text node. */
export function xmlSetText(el: Element, value: string | number): void {
  while (el.firstChild) el.removeChild(el.firstChild);
  el.appendChild(el.ownerDocument!.createTextNode(String(value)));
}

export function xmlRemove(el: Element | undefined): void {
  el?.parentNode?.removeChild(el);
}
