import "server-only";
import type { Element } from "@xmldom/xmldom";
import { attr, child, children, int, kib, parseXmlRoot, path, text } from "./xml";

/* `virsh capabilities` -> what the host is and which guests it can run. https://libvirt.org/formatcaps.html */

export interface GuestMachineWire {
  name: string;
  /** Set on aliases such as "pc" -> "pc-i440fx-7.2". */
  canonical?: string;
  maxCpus?: number;
}

export interface GuestCapabilityWire {
  /** hvm | xen | exe (containers) */
  osType: string;
  arch: string;
  wordsize?: number;
  emulator?: string;
  machines: GuestMachineWire[];
  /** Domain types this host can run for this arch: "qemu" (TCG) and, with usable KVM, "kvm". */
  domainTypes: string[];
}

export interface CapabilitiesWire {
  hostUuid?: string;
  cpu: {
    arch: string;
    model?: string;
    vendor?: string;
    topology?: { sockets: number; dies?: number; cores: number; threads: number };
  };
  /** Sum over NUMA cells. */
  memoryKiB?: number;
  numaCells: number;
  /** Logical CPUs over all cells. */
  cpus?: number;
  guests: GuestCapabilityWire[];
}

function machine(m: Element): GuestMachineWire {
  const out: GuestMachineWire = { name: text(m)?.trim() ?? "" };
  const canonical = attr(m, "canonical");
  const maxCpus = int(attr(m, "maxCpus"));
  if (canonical) out.canonical = canonical;
  if (maxCpus !== undefined) out.maxCpus = maxCpus;
  return out;
}

export function parseCapabilities(xml: string): CapabilitiesWire {
  const root = parseXmlRoot(xml, "capabilities");
  const host = child(root, "host");
  const cpu = child(host, "cpu");
  const topo = child(cpu, "topology");
  const cells = children(path(host, "topology", "cells"), "cell");
  const cellMemory = cells.map((c) => kib(child(c, "memory")));
  const cellCpus = cells.map((c) => int(attr(child(c, "cpus"), "num")));

  const out: CapabilitiesWire = {
    cpu: { arch: text(child(cpu, "arch"))?.trim() ?? "" },
    numaCells: cells.length,
    guests: children(root, "guest").flatMap((g) =>
      children(g, "arch").map((a) => {
        const guest: GuestCapabilityWire = {
          osType: text(child(g, "os_type"))?.trim() ?? "",
          arch: attr(a, "name") ?? "",
          machines: children(a, "machine").map(machine),
          domainTypes: children(a, "domain")
            .map((d) => attr(d, "type"))
            .filter((t): t is string => t !== undefined),
        };
        const wordsize = int(text(child(a, "wordsize")));
        const emulator = text(child(a, "emulator"))?.trim();
        if (wordsize !== undefined) guest.wordsize = wordsize;
        if (emulator) guest.emulator = emulator;
        return guest;
      }),
    ),
  };
  const uuid = text(child(host, "uuid"))?.trim();
  if (uuid) out.hostUuid = uuid;
  const model = text(child(cpu, "model"))?.trim();
  const vendor = text(child(cpu, "vendor"))?.trim();
  if (model) out.cpu.model = model;
  if (vendor) out.cpu.vendor = vendor;
  if (topo) {
    const dies = int(attr(topo, "dies"));
    out.cpu.topology = {
      sockets: int(attr(topo, "sockets")) ?? 1,
      ...(dies !== undefined ? { dies } : {}),
      cores: int(attr(topo, "cores")) ?? 1,
      threads: int(attr(topo, "threads")) ?? 1,
    };
  }
  if (cells.length && cellMemory.every((m) => m !== undefined)) {
    out.memoryKiB = cellMemory.reduce((a, b) => a! + b!, 0);
  }
  if (cells.length && cellCpus.every((c) => c !== undefined)) {
    out.cpus = cellCpus.reduce((a, b) => a! + b!, 0);
  }
  return out;
}

/** Domain types usable for hvm guests of `arch` (default: the host's), best first: kvm before qemu. */
export function guestDomainTypes(caps: CapabilitiesWire, arch = caps.cpu.arch): string[] {
  const types = new Set(caps.guests.filter((g) => g.osType === "hvm" && g.arch === arch).flatMap((g) => g.domainTypes));
  return [...types].sort((a, b) => rank(a) - rank(b));
}

function rank(t: string): number {
  return t === "kvm" ? 0 : t === "qemu" ? 1 : 2;
}
