/**
 * The fleet API's wire types (docs/api-fleet.md): what route handlers return
 * and what the browser receives. Shared by the server, which builds values of
 * these types, and the UI, which reads them, so the two cannot drift apart.
 * Types and constants only: safe to import from client components.
 */
import type { MessageRef } from "@/lib/contracts/messages";

export const VM_STATES = [
  "running",
  "blocked",
  "paused",
  "shutdown",
  "shutoff",
  "crashed",
  "pmsuspended",
  "nostate",
] as const;
export type VmState = (typeof VM_STATES)[number];

export const VM_ACTIONS = [
  "start",
  "shutdown",
  "reboot",
  "destroy",
  "reset",
  "suspend",
  "resume",
  "managedsave",
  "managedsave-remove",
  "autostart-on",
  "autostart-off",
] as const;
export type VmAction = (typeof VM_ACTIONS)[number];

/** Actions the UI asks about before running them. */
export const DESTRUCTIVE_ACTIONS: ReadonlySet<VmAction> = new Set<VmAction>(["destroy", "reset", "managedsave-remove"]);

export const VM_SORTS = ["name", "host", "state", "vcpus", "memory", "cpu", "uptime"] as const;
export type VmSort = (typeof VM_SORTS)[number];
export type SortDir = "asc" | "desc";

export type GraphicsKind = "vnc" | "spice";

/**
 * Where a guest address was read (`virsh domifaddr --source`): the DHCP lease of a libvirt network,
 * the QEMU guest agent inside the guest, or the host's ARP table.
 */
export const VM_ADDRESS_SOURCES = ["lease", "agent", "arp"] as const;
export type VmAddressSource = (typeof VM_ADDRESS_SOURCES)[number];

export interface VmAddress {
  /** The guest's interface as the source names it (host-side vnetN for leases/ARP, the guest's own name for the agent). */
  interface: string | null;
  mac: string | null;
  family: "ipv4" | "ipv6";
  address: string;
  prefix: number | null;
  source: VmAddressSource;
  /** The libvirt network the address was leased on, when known. */
  network: string | null;
}

export interface VmSummary {
  hostId: string;
  hostName: string;
  uuid: string;
  name: string;
  title: string;
  state: VmState;
  vcpus: number;
  memoryKiB: number;
  maxMemoryKiB: number;
  cpuPercent: number | null;
  uptimeSeconds: number | null;
  autostart: boolean;
  hasManagedSave: boolean;
  graphics: GraphicsKind | null;
  /** Marked as a template by virtdeck: it can never be started. */
  template: boolean;
  allowedActions: VmAction[];
  /**
   * Addresses of a running guest known without asking the guest: the DHCP leases its NICs on libvirt
   * networks hold (the VM page also reads the guest agent and ARP). Empty while it is not running.
   */
  addresses: VmAddress[];
}

export interface VmDisk {
  device: string;
  target: string;
  bus: string | null;
  format: string | null;
  source: string | null;
  capacityBytes: number | null;
  readonly: boolean;
}

export interface VmNic {
  mac: string | null;
  type: string;
  source: string | null;
  model: string | null;
}

export interface VmGraphicsDevice {
  type: string;
  port: number | null;
  autoport: boolean;
  listen: string[];
}

export interface VmDetail extends VmSummary {
  description: string;
  domainType: string;
  osType: string;
  arch: string | null;
  machine: string | null;
  osinfoId: string | null;
  bootOrder: string[];
  disks: VmDisk[];
  nics: VmNic[];
  graphicsDevices: VmGraphicsDevice[];
  /** English, for API clients. */
  graphicsWarning: string | null;
  /** The same warning as a key of the "vms" catalogue and its arguments, for the browser. */
  graphicsWarningMessage: MessageRef | null;
  serials: number;
  xml: string;
  inactiveXml: string;
  pendingChanges: boolean;
}

export interface FleetHost {
  id: string;
  name: string;
  status: string;
  error: string | null;
}

export interface VmListResponse {
  vms: VmSummary[];
  total: number;
  page: number;
  pageSize: number;
  hosts: FleetHost[];
  /** The caller's vm.* privileges on each listed VM, keyed `hostId/uuid` (lower case). */
  privileges?: Record<string, string[]>;
}

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
  /** ISO time the host entered maintenance; null: in service. A host in maintenance is no destination. */
  maintenanceSince: string | null;
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
