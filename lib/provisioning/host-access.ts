import "server-only";
import type { HostClient } from "@/lib/hosts/client";
import type { HostView } from "@/lib/fleet/hosts";
import { hostClient } from "@/lib/fleet/runtime";
import { auditRecord } from "@/lib/audit/audit";
import type { Caller } from "@/lib/authz/caller";

/**
 * Provisioning's host client: virsh's own error message becomes an action_failed error (409);
 * transport failures mark the host as the fleet does. See lib/hosts/client.ts.
 */
export type ProvHost = HostClient<HostView>;
export type { EarlyVirsh } from "@/lib/hosts/client";

export async function provHost(hostId: string): Promise<ProvHost> {
  return hostClient(hostId, { commandErrorCode: "action_failed" });
}

/**
 * The audit record of one provisioning action on a VM of this host, by this caller: target
 * "<host id>/<uuid>" with the VM's name, the host's name first in the details.
 */
export function vmAuditor(caller: Caller, h: ProvHost, action: string, vm: { uuid?: string; name: string }) {
  return (outcome: "success" | "failure", details: Record<string, unknown>) =>
    auditRecord({
      actor: caller.actor,
      action,
      outcome,
      // A VM being created has its UUID once planned: it comes with the details then.
      target: { type: "vm", id: `${h.host.id}/${vm.uuid ?? details.uuid ?? ""}`, name: vm.name },
      ip: caller.ip,
      details: { host: h.host.name, ...details },
    });
}
