/** A host as the provisioning and template forms offer it, and memory sizes as they show them. */
export interface HostChoice {
  id: string;
  name: string;
  status: string;
}

export const MiB = 1024 * 1024;
