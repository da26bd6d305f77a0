/** Wire types of the hosts API (docs/api-fleet.md). */
export const HOST_STATUSES = ["unverified", "online", "offline", "key_mismatch"] as const;
export type HostStatus = (typeof HOST_STATUSES)[number];

export type DomainTypePref = "auto" | "kvm" | "qemu";
export const DOMAIN_TYPE_PREFS: readonly DomainTypePref[] = ["auto", "kvm", "qemu"];

export interface HostView {
  id: string;
  name: string;
  address: string;
  port: number;
  username: string;
  libvirtUri: string;
  publicKey: string;
  hostKeySha256: string | null;
  presentedHostKeySha256: string | null;
  status: HostStatus;
  statusMessage: string;
  lastSeenAt: string | null;
  domainType: DomainTypePref;
  createdAt: string;
}

export const PROBE_STEPS = ["tcp", "ssh", "hostkey", "virsh", "libvirt", "virt"] as const;
export type ProbeStepId = (typeof PROBE_STEPS)[number];

export interface ProbeStep {
  id: ProbeStepId;
  /** null: not run (an earlier step failed). */
  ok: boolean | null;
  detail: string;
}

export interface HostInfo {
  hostname: string;
  libvirtVersion: string;
  hypervisor: { name: string; version: string } | null;
  cpuModel: string;
  cpus: number;
  sockets: number;
  coresPerSocket: number;
  threadsPerCore: number;
  mhz: number;
  memoryKiB: number;
  freeMemoryKiB: number | null;
  domainTypes: string[];
  kvm: boolean;
  vmsByState: Record<string, number>;
}

/** The host showed a key that is not the pinned one (or nothing is pinned yet). */
export function hostKeyToConfirm(host: HostView): string | null {
  const presented = host.presentedHostKeySha256;
  return presented && presented !== host.hostKeySha256 ? presented : null;
}

export const hostHref = (id: string) => `/hosts/${encodeURIComponent(id)}`;
