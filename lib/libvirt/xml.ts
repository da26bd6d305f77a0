import "server-only";
import { DOMParser, type Element } from "@xmldom/xmldom";

/** libvirt handed us something the parser cannot read; carries which format failed. */
export class LibvirtParseError extends Error {
  constructor(
    readonly format: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot parse ${format}: ${message}`, options);
    this.name = "LibvirtParseError";
  }
}

/** Parses XML and checks the root element's name; any XML error is fatal. */
export function parseXmlRoot(xml: string, rootName: string): Element {
  let root: Element | null = null;
  try {
    const doc = new DOMParser({
      onError: (level, msg) => {
        if (level !== "warning") throw new Error(msg);
      },
    }).parseFromString(xml, "text/xml");
    root = doc.documentElement;
  } catch (err) {
    throw new LibvirtParseError(rootName, (err as Error).message, { cause: err });
  }
  if (!root || root.tagName !== rootName) {
    throw new LibvirtParseError(rootName, `expected <${rootName}>, got <${root?.tagName ?? "nothing"}>`);
  }
  return root;
}

/*
 * Direct-children helpers. Never getElementsByTagName: <source> under <disk> and <source> under
 * <interface> are different things, and nested devices must not leak into their parents.
 */

export function children(el: Element | undefined, name: string, ns?: string): Element[] {
  const out: Element[] = [];
  if (!el) return out;
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const c = n as Element;
    if (ns === undefined ? c.tagName === name : c.namespaceURI === ns && c.localName === name) out.push(c);
  }
  return out;
}

export function child(el: Element | undefined, name: string, ns?: string): Element | undefined {
  return children(el, name, ns)[0];
}

/** Follows a path of direct children: path(domain, "os", "type"). */
export function path(el: Element | undefined, ...names: string[]): Element | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

export function attr(el: Element | undefined, name: string): string | undefined {
  if (!el || !el.hasAttribute(name)) return undefined;
  return el.getAttribute(name) ?? undefined;
}

/** Text content, or undefined for a missing element. Not trimmed: descriptions keep their layout. */
export function text(el: Element | undefined): string | undefined {
  return el ? (el.textContent ?? "") : undefined;
}

export function int(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  if (!/^-?\d+$/.test(s)) return undefined;
  return Number(s);
}

export function yesNo(value: string | undefined): boolean | undefined {
  if (value === "yes" || value === "on") return true;
  if (value === "no" || value === "off") return false;
  return undefined;
}

const UNIT_BYTES: Record<string, number> = {
  b: 1,
  bytes: 1,
  kb: 1000,
  k: 1024,
  kib: 1024,
  mb: 1000 ** 2,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  tb: 1000 ** 4,
  t: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * A scaled integer element such as <memory unit='KiB'>131072</memory>, in KiB. libvirt's default
 * unit for memory is KiB; see https://libvirt.org/formatdomain.html#memory-allocation
 */
export function kib(el: Element | undefined, defaultUnit = "KiB"): number | undefined {
  const n = int(text(el));
  if (n === undefined) return undefined;
  const factor = UNIT_BYTES[(attr(el, "unit") ?? defaultUnit).toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round((n * factor) / 1024);
}
