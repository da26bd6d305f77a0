import "server-only";
import { auditRecord } from "@/lib/audit/audit";
import { authorize, type DeniedRequest, type Principal } from "@/lib/authz";
import type { Privilege } from "@/lib/auth/permissions";
import { AppError } from "@/lib/http/errors";

/**
 * Privileges that hang on what a request attaches, not only on the VM it edits: a NIC outside
 * libvirt's networks (a host bridge, a direct/macvtap link) puts the guest on the host's own
 * segments, so it needs network.manage on the host; an existing volume imported as a new VM's
 * disk becomes that VM's (written, deleted with it), so it needs storage.manage on the host.
 * Refusals are 403 with a sentence naming the privilege (the caller sees the VM or host, only
 * this part is not theirs), and audited like every other denial.
 */

/** NIC kinds that attach to the host's own network devices rather than to a libvirt network. */
export function nicsOutsideNetworks<T extends { kind: string; source: string }>(nics: readonly T[]): T[] {
  return nics.filter((n) => n.kind !== "network");
}

async function privilegeRequire(principal: Principal, privilege: Privilege, hostId: string, message: string, request?: DeniedRequest): Promise<void> {
  if (await authorize(principal, privilege, { hostId })) return;
  if (request) {
    await auditRecord({
      actor: { id: principal.user.id, name: principal.user.username },
      action: "access.denied",
      outcome: "denied",
      ip: request.ip,
      target: { type: "host", id: hostId },
      details: { method: request.method, path: request.path, privilege, via: principal.kind },
    });
  }
  throw new AppError("forbidden", message);
}

/** NICs on a host bridge or a direct link need network.manage on the host; libvirt networks need nothing more. */
export async function nicsAuthorize(principal: Principal, hostId: string, nics: readonly { kind: string; source: string }[], request?: DeniedRequest): Promise<void> {
  const outside = nicsOutsideNetworks(nics);
  if (!outside.length) return;
  const what = outside.map((n) => `${n.kind === "bridge" ? "host bridge" : n.kind} "${n.source}"`).join(", ");
  await privilegeRequire(principal, "network.manage", hostId, `A NIC on ${what} needs the network.manage privilege on this host; NICs on a libvirt network do not`, request);
}

/** Importing an existing volume as a VM's disk needs storage.manage on the host. */
export async function volumeImportAuthorize(principal: Principal, hostId: string, request?: DeniedRequest): Promise<void> {
  await privilegeRequire(principal, "storage.manage", hostId, "Importing an existing volume as a VM's disk needs the storage.manage privilege on this host", request);
}
