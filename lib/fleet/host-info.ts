import "server-only";
import { nodeFactsRead } from "@/lib/virt/node";
import { parseVersion } from "@/lib/libvirt/version-parse";
import { parseNodeInfo } from "@/lib/libvirt/nodeinfo-parse";
import { availableKiB, parseNodeMemStats } from "@/lib/libvirt/nodememstats-parse";
import { guestDomainTypes, parseCapabilities } from "@/lib/libvirt/capabilities-parse";
import type { VmState } from "@/lib/libvirt/vm-state";
import { hostGet } from "@/lib/fleet/hosts";
import { fleetHostFailure, hostClientFor } from "@/lib/fleet/runtime";
import { inventoryGet } from "@/lib/fleet/inventory";
import type { HostInfo } from "@/lib/contracts/fleet";

export type { HostInfo } from "@/lib/contracts/fleet";

/** Host facts from one batched round trip on the host's virsh session. */
export async function hostInfo(id: string): Promise<HostInfo> {
  const host = await hostGet(id);
  try {
    const facts = await nodeFactsRead({ host: hostClientFor(host, { commandErrorCode: "host_error" }) });
    const { hostname, version, nodeinfo, memstats: mem, capabilities: caps } = facts;
    const v = parseVersion(version);
    const node = parseNodeInfo(nodeinfo);
    const types = guestDomainTypes(parseCapabilities(caps));
    const inventory = await inventoryGet(host.id);
    const vmsByState: Partial<Record<VmState, number>> = {};
    for (const vm of inventory.vms) vmsByState[vm.state as VmState] = (vmsByState[vm.state as VmState] ?? 0) + 1;
    // nodememstats reads /proc/meminfo; nodeinfo's size can differ (e.g. under nested virtualisation), so
    // total and free come from the same source whenever it parses.
    let total = node.memoryKiB;
    let free: number | null = null;
    try {
      const m = parseNodeMemStats(mem);
      total = m.totalKiB;
      free = Math.min(total, availableKiB(m));
    } catch {
      free = null;
    }
    return {
      hostname: hostname.trim(),
      libvirtVersion: v.library.version.text,
      hypervisor: v.hypervisor ? { name: v.hypervisor.name, version: v.hypervisor.version.text } : null,
      cpuModel: node.cpuModel,
      cpus: node.cpus,
      sockets: node.sockets,
      coresPerSocket: node.coresPerSocket,
      threadsPerCore: node.threadsPerCore,
      mhz: node.mhz,
      memoryKiB: total,
      freeMemoryKiB: free,
      domainTypes: types,
      kvm: types.includes("kvm") && host.domainType !== "qemu",
      vmsByState,
    };
  } catch (err) {
    throw await fleetHostFailure(host.id, host.name, err);
  }
}
