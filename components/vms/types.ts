/**
 * Wire types of the fleet API (docs/api-fleet.md), as the browser receives them.
 * The UI talks to the API only; it never imports the server's own types.
 */
export const VM_STATES = ["running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended", "nostate"] as const;
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
  allowedActions: VmAction[];
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
  graphicsWarning: string | null;
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
}

/** One VM row's identity: a UUID is unique per host only. */
export const vmKey = (v: { hostId: string; uuid: string }) => `${v.hostId}/${v.uuid}`;

/** The VM page of a VM. */
export const vmHref = (v: { hostId: string; uuid: string }) => `/vms/${encodeURIComponent(v.hostId)}/${encodeURIComponent(v.uuid)}`;
