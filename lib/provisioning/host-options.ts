import "server-only";
import { parsePoolXml, parseVolumeXml, volumeIsIso, type PoolWire, type VolumeWire } from "@/lib/libvirt/storage-xml";
import { BUILTIN_OS_VARIANTS, parseOsinfoQuery, type OsVariantWire } from "@/lib/libvirt/osinfo-parse";
import { parseCapabilities } from "@/lib/libvirt/capabilities-parse";
import { parseDomCapabilities } from "@/lib/libvirt/domcapabilities-parse";
import { availableKiB, parseNodeMemStats } from "@/lib/libvirt/nodememstats-parse";
import { AppError } from "@/lib/http/errors";
import type { ProvisioningHostOptions } from "@/lib/contracts/provisioning";
import { provHost, type ProvHost } from "./host-access";

/** Names from `virsh *-list --name` output. */
function names(out: string): string[] {
  return out
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

/** `virsh vol-list POOL` rows: "name   /path/to/name". */
export function parseVolList(out: string): { name: string; path: string }[] {
  const rows: { name: string; path: string }[] = [];
  for (const line of out.split("\n")) {
    if (/^\s*(Name\s+Path|-+)\s*$/.test(line)) continue;
    const m = /^\s*(.+?)\s+(\/.*?)\s*$/.exec(line);
    if (m) rows.push({ name: m[1], path: m[2] });
  }
  return rows;
}

/** The host's pools (or only those named in `only`) with their sizes. */
export async function poolsList(h: ProvHost, only?: readonly string[]): Promise<(PoolWire & { active: boolean })[]> {
  const [all, active] = await h.virsh({ command: "pool-list", args: [{ flag: "--all" }, { flag: "--name" }] }, { command: "pool-list", args: [{ flag: "--name" }] });
  const activeSet = new Set(names(active));
  const list = names(all).filter((p) => !only || only.includes(p));
  if (!list.length) return [];
  const xmls = await h.virsh(...list.map((p) => ({ command: "pool-dumpxml" as const, args: [{ arg: p }] })));
  return xmls.map((x) => ({ ...parsePoolXml(x), active: activeSet.has(parsePoolXml(x).name) }));
}

export async function volumesList(h: ProvHost, pools: string[]): Promise<(VolumeWire & { pool: string })[]> {
  if (!pools.length) return [];
  const lists = await h.virshTry(...pools.map((p) => ({ command: "vol-list" as const, args: [{ arg: p }] })));
  const wanted = pools.flatMap((pool, i) => (lists[i].ok ? parseVolList(lists[i].stdout).map((v) => ({ pool, name: v.name })) : []));
  if (!wanted.length) return [];
  const xmls = await h.virshTry(...wanted.map((v) => ({ command: "vol-dumpxml" as const, args: [{ option: "--pool", value: v.pool }, { arg: v.name }] })));
  return wanted.flatMap((v, i) => (xmls[i].ok ? [{ ...parseVolumeXml(xmls[i].stdout), pool: v.pool }] : []));
}

export async function volumeGet(h: ProvHost, pool: string, volume: string): Promise<VolumeWire> {
  const [r] = await h.virshTry({ command: "vol-dumpxml", args: [{ option: "--pool", value: pool }, { arg: volume }] });
  if (!r.ok) throw new AppError("invalid_input", `${h.host.name}: no volume "${volume}" in pool "${pool}"`, { issues: [{ path: "volume", message: "Not found on this host" }] });
  return parseVolumeXml(r.stdout);
}

export async function osVariants(h: ProvHost): Promise<{ list: OsVariantWire[]; fromHost: boolean }> {
  const r = await h.exec(["osinfo-query", "--fields=short-id,name,id", "os"]);
  if (r.code === 0) {
    const list = parseOsinfoQuery(r.stdout);
    if (list.length) return { list, fromHost: true };
  }
  return { list: [...BUILTIN_OS_VARIANTS], fromHost: false };
}

export function osinfoUrl(list: OsVariantWire[], id: string): string | undefined {
  return list.find((v) => v.id === id)?.url ?? BUILTIN_OS_VARIANTS.find((v) => v.id === id)?.url;
}

/** Which domain type to use: the template's choice, else the host's preference, else KVM when present. */
export function domainTypeFor(choice: "auto" | "kvm" | "qemu", hostPref: "auto" | "kvm" | "qemu", available: string[]): "kvm" | "qemu" {
  const want = choice !== "auto" ? choice : hostPref !== "auto" ? hostPref : available.includes("kvm") ? "kvm" : "qemu";
  if (want === "kvm" && !available.includes("kvm")) throw new AppError("invalid_input", "This host cannot run KVM guests; choose the QEMU (TCG) domain type");
  return want;
}

export interface HostFacts {
  domainTypes: string[];
  machines: string[];
  uefi: boolean;
  cpuModels: string[];
  freeMemoryBytes: number | null;
}

/** What the host can run; `firmware: false` skips domcapabilities (only UEFI needs it). */
export async function hostFacts(h: ProvHost, opts: { firmware?: boolean } = {}): Promise<HostFacts> {
  const [caps, mem] = await h.virsh({ command: "capabilities" }, { command: "nodememstats" });
  const c = parseCapabilities(caps);
  const guest = c.guests.find((g) => g.arch === "x86_64" && g.osType === "hvm") ?? c.guests[0];
  const domainTypes = guest?.domainTypes ?? ["qemu"];
  const [dc] =
    opts.firmware === false
      ? [{ ok: false, stdout: "", stderr: "" }]
      : await h.virshTry({ command: "domcapabilities", args: [{ option: "--virttype", value: domainTypes.includes("kvm") ? "kvm" : "qemu" }] });
  let uefi = false;
  // Custom CPU models are typed by the user (qemu64, Haswell...); domcapabilities' list is long and host-specific.
  const cpuModels: string[] = [];
  if (dc.ok) {
    try {
      const d = parseDomCapabilities(dc.stdout);
      uefi = d.os.firmware.includes("efi");
    } catch {
      /* capabilities we cannot read: offer BIOS only */
    }
  }
  let freeMemoryBytes: number | null = null;
  try {
    freeMemoryBytes = availableKiB(parseNodeMemStats(mem)) * 1024;
  } catch {
    freeMemoryBytes = null;
  }
  const machines = [...new Set((guest?.machines ?? []).map((m) => m.name))].sort();
  return { domainTypes, machines, uefi, cpuModels, freeMemoryBytes };
}

/** What the template and create forms offer for one host. */
export async function provisioningHostOptions(hostId: string, access: { mayBridge: boolean }): Promise<ProvisioningHostOptions> {
  const h = await provHost(hostId);
  const [pools, os, facts, nets] = await Promise.all([
    poolsList(h),
    osVariants(h),
    hostFacts(h),
    h.virsh({ command: "net-list", args: [{ flag: "--all" }, { flag: "--name" }] }, { command: "net-list", args: [{ flag: "--name" }] }),
  ]);
  const vols = await volumesList(h, pools.filter((p) => p.active).map((p) => p.name));
  const activeNets = new Set(names(nets[1]));
  return {
    hostId: h.host.id,
    osVariants: os.list.map((v) => ({ id: v.id, name: v.name })),
    osVariantsFromHost: os.fromHost,
    pools: pools.map((p) => ({ name: p.name, active: p.active, capacityBytes: p.capacityBytes, availableBytes: p.availableBytes })),
    volumes: vols.map((v) => ({ pool: v.pool, name: v.name, capacityBytes: v.capacityBytes, format: v.format ?? "", iso: volumeIsIso(v) })),
    networks: names(nets[0]).map((n) => ({ name: n, active: activeNets.has(n) })),
    mayBridge: access.mayBridge,
    machineTypes: facts.machines,
    uefi: facts.uefi,
    cpuModels: facts.cpuModels,
    freeMemoryBytes: facts.freeMemoryBytes,
  };
}
