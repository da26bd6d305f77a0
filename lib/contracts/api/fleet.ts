import { z } from "zod";
import { HOST_STATUSES, PROBE_STEPS, VM_ACTIONS, VM_ADDRESS_SOURCES, VM_STATES } from "@/lib/contracts/fleet";
import { IsoDateSchema } from "@/lib/contracts/api/common";

/** Answers of the fleet routes (/api/hosts, /api/vms): the wire types of lib/contracts/fleet.ts as schemas. */

export const VmAddressSchema = z.object({
  interface: z.string().nullable(),
  mac: z.string().nullable(),
  family: z.enum(["ipv4", "ipv6"]),
  address: z.string(),
  prefix: z.number().nullable(),
  source: z.enum(VM_ADDRESS_SOURCES),
  network: z.string().nullable(),
});

export const VmSummarySchema = z.object({
  hostId: z.string(),
  hostName: z.string(),
  uuid: z.string(),
  name: z.string(),
  title: z.string(),
  state: z.enum(VM_STATES),
  vcpus: z.number(),
  memoryKiB: z.number(),
  maxMemoryKiB: z.number(),
  cpuPercent: z.number().nullable(),
  uptimeSeconds: z.number().nullable(),
  autostart: z.boolean(),
  hasManagedSave: z.boolean(),
  graphics: z.enum(["vnc", "spice"]).nullable(),
  template: z.boolean(),
  allowedActions: z.array(z.enum(VM_ACTIONS)),
  addresses: z.array(VmAddressSchema),
});

export const VmDetailSchema = VmSummarySchema.extend({
  description: z.string(),
  domainType: z.string(),
  osType: z.string(),
  arch: z.string().nullable(),
  machine: z.string().nullable(),
  osinfoId: z.string().nullable(),
  bootOrder: z.array(z.string()),
  disks: z.array(
    z.object({
      device: z.string(),
      target: z.string(),
      bus: z.string().nullable(),
      format: z.string().nullable(),
      source: z.string().nullable(),
      capacityBytes: z.number().nullable(),
      readonly: z.boolean(),
    }),
  ),
  nics: z.array(
    z.object({
      mac: z.string().nullable(),
      type: z.string(),
      source: z.string().nullable(),
      model: z.string().nullable(),
    }),
  ),
  graphicsDevices: z.array(
    z.object({ type: z.string(), port: z.number().nullable(), autoport: z.boolean(), listen: z.array(z.string()) }),
  ),
  graphicsWarning: z.string().nullable(),
  graphicsWarningMessage: z
    .object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])).optional() })
    .nullable(),
  serials: z.number(),
  xml: z.string(),
  inactiveXml: z.string(),
  pendingChanges: z.boolean(),
});

export const FleetHostSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.string(),
  error: z.string().nullable(),
});

export const VmListResponseSchema = z.object({
  vms: z.array(VmSummarySchema),
  total: z.number(),
  page: z.number(),
  pageSize: z.number(),
  hosts: z.array(FleetHostSchema),
  privileges: z.record(z.string(), z.array(z.string())).optional(),
});

export const VmDetailResponseSchema = z.object({ vm: VmDetailSchema });
export const VmActionResponseSchema = z.object({ vm: VmSummarySchema });
/** A running VM's addresses from every source libvirt has (leases, the guest agent when connected, ARP). */
export const VmAddressesResponseSchema = z.object({
  addresses: z.array(VmAddressSchema),
  /** Whether the guest agent channel is connected (its addresses are included then). */
  agentConnected: z.boolean(),
  running: z.boolean(),
});

export const HostViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  address: z.string(),
  port: z.number(),
  username: z.string(),
  libvirtUri: z.string(),
  publicKey: z.string(),
  hostKeySha256: z.string().nullable(),
  presentedHostKeySha256: z.string().nullable(),
  status: z.enum(HOST_STATUSES),
  statusMessage: z.string(),
  lastSeenAt: IsoDateSchema.nullable(),
  domainType: z.enum(["auto", "kvm", "qemu"]),
  maintenanceSince: IsoDateSchema.nullable(),
  createdAt: IsoDateSchema,
});

export const HostListResponseSchema = z.object({ hosts: z.array(HostViewSchema) });
export const HostResponseSchema = z.object({ host: HostViewSchema });

export const ProbeStepSchema = z.object({ id: z.enum(PROBE_STEPS), ok: z.boolean().nullable(), detail: z.string() });
export const HostProbeResponseSchema = z.object({ steps: z.array(ProbeStepSchema), host: HostViewSchema });

export const HostInfoSchema = z.object({
  hostname: z.string(),
  libvirtVersion: z.string(),
  hypervisor: z.object({ name: z.string(), version: z.string() }).nullable(),
  cpuModel: z.string(),
  cpus: z.number(),
  sockets: z.number(),
  coresPerSocket: z.number(),
  threadsPerCore: z.number(),
  mhz: z.number(),
  memoryKiB: z.number(),
  freeMemoryKiB: z.number().nullable(),
  domainTypes: z.array(z.string()),
  kvm: z.boolean(),
  vmsByState: z.record(z.string(), z.number()),
});
export const HostInfoResponseSchema = z.object({ info: HostInfoSchema });
