import { DOMImplementation, XMLSerializer, type Document, type Element } from "@xmldom/xmldom";
import { createServer } from "node:net";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BenchHost } from "../lib/stack";
import { virshLine, virshLocal } from "../lib/virsh-local";

/**
 * The benchmark's domains: `vdbench-<n>`, tiny (64 MiB, 1 vCPU, no NIC, an empty read-only
 * CD-ROM drive without media, serial console, VNC on 127.0.0.1), numbered from 1. Two thirds
 * live on host1 (n % 3 != 0), one third on host2 (n % 3 == 0).
 */
export const NAME = /^vdbench-\d+$/;
export const domainName = (n: number) => `vdbench-${n}`;
export const hostIndexOf = (n: number): 0 | 1 => (n % 3 === 0 ? 1 : 0);

function el(doc: Document, parent: Element, name: string, attrs: Record<string, string> = {}, text?: string): Element {
  const e = doc.createElement(name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.appendChild(doc.createTextNode(text));
  parent.appendChild(e);
  return e;
}

/**
 * Domain XML built as a DOM, so names and text are always escaped correctly. Guests that will run
 * get a fixed VNC port: host1's and host2's libvirt daemons share this machine's ports, and their
 * autoport allocators do not see each other's guests ("Failed to find an available port").
 */
export function domainXml(n: number, domainType: string, vncPort?: number, name = domainName(n)): string {
  const doc = new DOMImplementation().createDocument(null, "domain", null);
  const d = doc.documentElement!;
  d.setAttribute("type", domainType);
  el(doc, d, "name", {}, name);
  el(doc, d, "title", {}, `virtdeck bench guest #${n}`);
  el(doc, d, "description", {}, "Defined by bench/inventory; undefined again when the bench ends.");
  el(doc, d, "memory", { unit: "MiB" }, "64");
  el(doc, d, "vcpu", {}, "1");
  const osEl = el(doc, d, "os");
  el(doc, osEl, "type", { arch: "x86_64" }, "hvm");
  el(doc, osEl, "boot", { dev: "cdrom" });
  el(doc, el(doc, d, "features"), "acpi");
  const dev = el(doc, d, "devices");
  const cd = el(doc, dev, "disk", { type: "file", device: "cdrom" });
  el(doc, cd, "target", { dev: "hdc", bus: "ide" });
  el(doc, cd, "readonly");
  el(doc, dev, "serial", { type: "pty" });
  el(doc, dev, "console", { type: "pty" });
  const port: Record<string, string> =
    vncPort === undefined ? { autoport: "yes" } : { port: String(vncPort), autoport: "no" };
  const g = el(doc, dev, "graphics", { type: "vnc", ...port, listen: "127.0.0.1" });
  el(doc, g, "listen", { type: "address", address: "127.0.0.1" });
  el(doc, el(doc, dev, "video"), "model", { type: "vga" });
  return new XMLSerializer().serializeToString(doc);
}

/** virsh's error messages (an "error:" line and its continuation lines), at most 5. */
/** A port nothing listens on, far above the 5900+ range where libvirt's autoport starts. */
export async function freeVncPort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const port = 40000 + Math.floor(Math.random() * 20000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error("no free port for VNC");
}

const errors = (stderr: string) =>
  stderr
    .split(/\n(?=error: )/)
    .filter((l) => l.startsWith("error:"))
    .map((l) => l.trim().replace(/\s*\n\s*/g, " / "))
    .slice(0, 5);

/**
 * Defines domains `from..to` (inclusive) and starts those numbered <= `running`, with ONE virsh
 * process per host reading `define FILE` / `start NAME` lines on stdin; hosts in parallel.
 */
export async function defineDomains(
  hosts: readonly BenchHost[],
  from: number,
  to: number,
  running: number,
): Promise<{ ms: number[] }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vdbench-xml-"));
  chmodSync(dir, 0o755); // host2's virsh runs as its own user and reads the files itself
  try {
    const lines: string[][] = hosts.map(() => []);
    const starts: string[][] = hosts.map(() => []);
    for (let n = from; n <= to; n++) {
      const h = hostIndexOf(n);
      const file = path.join(dir, `${domainName(n)}.xml`);
      const vncPort = n <= running ? await freeVncPort() : undefined;
      writeFileSync(file, domainXml(n, hosts[h].domainType, vncPort), { mode: 0o644 });
      lines[h].push(virshLine("define", file));
      if (n <= running) starts[h].push(virshLine("start", domainName(n)));
    }
    const results = await Promise.all(
      hosts.map((h, i) => virshLocal(h, [...lines[i], ...starts[i]], { keepOutput: false })),
    );
    results.forEach((r, i) => {
      const errs = errors(r.stderr);
      if (errs.length) throw new Error(`defining on ${hosts[i].key} failed: ${errs.join(" | ")}`);
    });
    return { ms: results.map((r) => r.ms) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Destroys and undefines every vdbench-* domain on the hosts; returns how many it removed. */
export async function cleanupDomains(hosts: readonly BenchHost[]): Promise<number> {
  let removed = 0;
  await Promise.all(
    hosts.map(async (h) => {
      const all = await virshLocal(h, [virshLine("list", "--all", "--name")]);
      const active = await virshLocal(h, [virshLine("list", "--name")]);
      const names = (s: string) =>
        s
          .split("\n")
          .map((l) => l.trim())
          .filter((l) => NAME.test(l));
      const mine = names(all.stdout);
      const up = names(active.stdout);
      if (!mine.length) return;
      const r = await virshLocal(
        h,
        [...up.map((n) => virshLine("destroy", n)), ...mine.map((n) => virshLine("undefine", n))],
        { keepOutput: false },
      );
      const errs = errors(r.stderr);
      if (errs.length) console.error(`[bench] cleanup on ${h.key}: ${errs.join(" | ")}`);
      removed += mine.length;
    }),
  );
  return removed;
}
