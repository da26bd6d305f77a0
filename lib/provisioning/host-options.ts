import "server-only";
import { volumeIsIso, type PoolWire, type VolumeWire } from "@/lib/libvirt/storage-xml";
import { networkList } from "@/lib/virt/network";
import { nodeCapabilitiesAndMemory, nodeDomainCapabilities, nodeOsinfoQuery } from "@/lib/virt/node";
import { poolListDetailed } from "@/lib/virt/storage-pool";
import { volumeFind, volumeList } from "@/lib/virt/storage-volume";
import { BUILTIN_OS_VARIANTS, parseOsinfoQuery, type OsVariantWire } from "@/lib/libvirt/osinfo-parse";
import { parseCapabilities } from "@/lib/libvirt/capabilities-parse";
import { parseDomCapabilities } from "@/lib/libvirt/domcapabilities-parse";
import { availableKiB, parseNodeMemStats } from "@/lib/libvirt/nodememstats-parse";
import { AppError } from "@/lib/http/errors";
import type { ProvisioningHostOptions } from "@/lib/contracts/provisioning";
import { provHost, type ProvHost } from "./host-access";

/** The host's pools (or only those named in `only`) with their sizes. */
export async function poolsList(h: ProvHost, only?: readonly string[]): Promise<(PoolWire & { active: boolean })[]> {
  return poolListDetailed({ host: h, only });
}

export async function volumesList(h: ProvHost, pools: string[]): Promise<(VolumeWire & { pool: string })[]> {
  return volumeList({ host: h, pools });
}

export async function volumeGet(h: ProvHost, pool: string, volume: string): Promise<VolumeWire> {
  const v = await volumeFind({ host: h, ref: { pool, name: volume } });
  if (!v)
    throw new AppError("invalid_input", `${h.host.name}: no volume "${volume}" in pool "${pool}"`, {
      issues: [{ path: "volume", message: "Not found on this host" }],
    });
  return v;
}

export async function osVariants(h: ProvHost): Promise<{ list: OsVariantWire[]; fromHost: boolean }> {
  const out = await nodeOsinfoQuery({ host: h });
  if (out !== null) {
    const list = parseOsinfoQuery(out);
    if (list.length) return { list, fromHost: true };
  }
  return { list: [...BUILTIN_OS_VARIANTS], fromHost: false };
}

export function osinfoUrl(list: OsVariantWire[], id: string): string | undefined {
  return list.find((v) => v.id === id)?.url ?? BUILTIN_OS_VARIANTS.find((v) => v.id === id)?.url;
}

/** Which domain type to use: the template's choice, else the host's preference, else KVM when present. */
export function domainTypeFor(
  choice: "auto" | "kvm" | "qemu",
  hostPref: "auto" | "kvm" | "qemu",
  available: string[],
): "kvm" | "qemu" {
  const want = choice !== "auto" ? choice : hostPref !== "auto" ? hostPref : available.includes("kvm") ? "kvm" : "qemu";
  if (want === "kvm" && !available.includes("kvm"))
    throw new AppError("invalid_input", "This host cannot run KVM guests; choose the QEMU (TCG) domain type");
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
  const { capabilities: caps, memstats: mem } = await nodeCapabilitiesAndMemory({ host: h });
  const c = parseCapabilities(caps);
  const guest = c.guests.find((g) => g.arch === "x86_64" && g.osType === "hvm") ?? c.guests[0];
  const domainTypes = guest?.domainTypes ?? ["qemu"];
  const dc =
    opts.firmware === false
      ? null
      : await nodeDomainCapabilities({ host: h, virttype: domainTypes.includes("kvm") ? "kvm" : "qemu" });
  let uefi = false;
  // Custom CPU models are typed by the user (qemu64, Haswell...); domcapabilities' list is long and host-specific.
  const cpuModels: string[] = [];
  if (dc !== null) {
    try {
      const d = parseDomCapabilities(dc);
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
export async function provisioningHostOptions(
  hostId: string,
  access: { mayBridge: boolean },
): Promise<ProvisioningHostOptions> {
  const h = await provHost(hostId);
  const [pools, os, facts, nets] = await Promise.all([
    poolsList(h),
    osVariants(h),
    hostFacts(h),
    networkList({ host: h }),
  ]);
  const vols = await volumesList(
    h,
    pools.filter((p) => p.active).map((p) => p.name),
  );
  return {
    hostId: h.host.id,
    osVariants: os.list.map((v) => ({ id: v.id, name: v.name })),
    osVariantsFromHost: os.fromHost,
    pools: pools.map((p) => ({
      name: p.name,
      active: p.active,
      capacityBytes: p.capacityBytes,
      availableBytes: p.availableBytes,
    })),
    volumes: vols.map((v) => ({
      pool: v.pool,
      name: v.name,
      capacityBytes: v.capacityBytes,
      format: v.format ?? "",
      iso: volumeIsIso(v),
    })),
    networks: nets,
    mayBridge: access.mayBridge,
    machineTypes: facts.machines,
    uefi: facts.uefi,
    cpuModels: facts.cpuModels,
    freeMemoryBytes: facts.freeMemoryBytes,
  };
}
