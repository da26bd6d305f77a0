import "server-only";
import type { z } from "zod";
import { authorizeGlobalOrThrow, type DeniedRequest } from "@/lib/authz";
import type { Caller } from "@/lib/authz/caller";
import { eventsUnwatch, eventsWatchHosts } from "@/lib/fleet/events";
import {
  hostDelete,
  hostEndpointChanges,
  hostGet,
  hostKeyConfirm,
  hostUpdate,
  type HostUpdateSchema,
  type HostView,
} from "@/lib/fleet/hosts";
import { inventoryGet } from "@/lib/fleet/inventory";
import { fleetForget } from "@/lib/fleet/runtime";

/**
 * Host record changes that reach the live connection: after an edit, a key confirmation or a
 * deletion, the host's pooled SSH connection, virsh session and events watcher go, so the next
 * use connects with what the record now says.
 */

/**
 * Drops a host's connection and events watcher; `connectNow` connects again at once (so the host
 * shows online, or why not, without waiting for a page load); `watch` restarts the watchers.
 */
export async function hostReconnect(hostId: string, o: { connectNow?: boolean; watch?: boolean } = {}): Promise<void> {
  eventsUnwatch(hostId);
  fleetForget(hostId);
  if (o.connectNow) await inventoryGet(hostId).catch(() => {});
  if (o.watch ?? true) await eventsWatchHosts();
}

/**
 * Edits a host. Name and domain type: host.manage on the host (the route checks it). Address,
 * port, SSH user and libvirt URI say which machine the record (and every grant on it) reaches:
 * host.manage globally.
 */
export async function hostEdit(
  caller: Caller,
  id: string,
  input: z.infer<typeof HostUpdateSchema>,
  request: DeniedRequest,
): Promise<HostView> {
  if (Object.keys(hostEndpointChanges(await hostGet(id), input)).length) {
    await authorizeGlobalOrThrow(caller.principal, "host.manage", { hostId: id }, request);
  }
  const host = await hostUpdate(caller, id, input);
  await hostReconnect(host.id);
  return host;
}

/** Deletes a host record and ends its connection. */
export async function hostRemove(caller: Caller, id: string): Promise<void> {
  const host = await hostGet(id);
  await hostDelete(caller, host.id);
  await hostReconnect(host.id, { watch: false });
}

/** Pins the host key the operator compared, then connects with it. */
export async function hostKeyAccept(caller: Caller, id: string, fingerprint: string): Promise<HostView> {
  const host = await hostKeyConfirm(caller, id, fingerprint);
  await hostReconnect(host.id, { connectNow: true });
  return hostGet(host.id);
}
