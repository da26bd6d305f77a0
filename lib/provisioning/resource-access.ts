import "server-only";
import { accessDeniedRecord, authorize, type AuthzTarget, type DeniedRequest, type Principal } from "@/lib/authz";
import type { Privilege } from "@/lib/authz/privileges";
import { AppError } from "@/lib/http/errors";

/**
 * Privileges that hang on what a request attaches, not only on the VM it edits: a NIC outside
 * libvirt's networks (a host bridge, a direct/macvtap link) puts the guest on the host's own
 * segments, so it needs network.manage on the host; an existing volume imported as a new VM's
 * disk becomes that VM's (written, deleted with it), so it needs storage.manage on the host.
 * Refusals are 403 with a sentence naming the privilege when the caller sees what the request
 * names (the VM, or the host), else 404 as everywhere (lib/authz authorizeOrThrow); audited like
 * every other denial.
 */

/**
 * `privilege` on the host of a VM the route already checked (the caller sees that VM, so a
 * refusal is a 403 saying `message`, not a 404), audited like every other denial.
 */
export async function hostPrivilegeRequire(
  principal: Principal,
  privilege: Privilege,
  hostId: string,
  message: string,
  request: DeniedRequest,
): Promise<void> {
  if (await authorize(principal, privilege, { hostId })) return;
  await accessDeniedRecord(principal, privilege, { hostId }, request);
  throw new AppError("forbidden", message);
}

/** NIC kinds that attach to the host's own network devices rather than to a libvirt network. */
export function nicsOutsideNetworks<T extends { kind: string; source: string }>(nics: readonly T[]): T[] {
  return nics.filter((n) => n.kind !== "network");
}

async function privilegeRequire(
  principal: Principal,
  privilege: Privilege,
  hostId: string,
  seen: AuthzTarget,
  message: string,
  request?: DeniedRequest,
): Promise<void> {
  if (await authorize(principal, privilege, { hostId })) return;
  if (request) await accessDeniedRecord(principal, privilege, { hostId }, request);
  const visible = seen.vmUuid
    ? await authorize(principal, "vm.view", seen)
    : (await authorize(principal, "host.view", seen)) || (await authorize(principal, "vm.view", seen));
  if (!visible) throw new AppError("not_found", seen.vmUuid ? "VM not found" : "Host not found");
  throw new AppError("forbidden", message);
}

/** NICs on a host bridge or a direct link need network.manage on the host; libvirt networks need nothing more. */
export async function nicsAuthorize(
  principal: Principal,
  seen: AuthzTarget & { hostId: string },
  nics: readonly { kind: string; source: string }[],
  request?: DeniedRequest,
): Promise<void> {
  const outside = nicsOutsideNetworks(nics);
  if (!outside.length) return;
  const what = outside.map((n) => `${n.kind === "bridge" ? "host bridge" : n.kind} "${n.source}"`).join(", ");
  await privilegeRequire(
    principal,
    "network.manage",
    seen.hostId,
    seen,
    `A NIC on ${what} needs the network.manage privilege on this host; NICs on a libvirt network do not`,
    request,
  );
}

/** Importing an existing volume as a VM's disk needs storage.manage on the host. */
export async function volumeImportAuthorize(
  principal: Principal,
  hostId: string,
  request?: DeniedRequest,
): Promise<void> {
  await privilegeRequire(
    principal,
    "storage.manage",
    hostId,
    { hostId },
    "Importing an existing volume as a VM's disk needs the storage.manage privilege on this host",
    request,
  );
}
