/** A host as the provisioning and template forms offer it, and memory sizes as they show them. */
export interface HostChoice {
  id: string;
  name: string;
  status: string;
}

export const MiB = 1024 * 1024;
export const formatMiB = (bytes: number) =>
  bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
