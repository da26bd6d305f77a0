/** The hosts API's wire types (shared with the server) and small UI helpers around them. */
import type { HostView } from "@/lib/contracts/fleet";

export { DOMAIN_TYPE_PREFS, HOST_STATUSES, PROBE_STEPS } from "@/lib/contracts/fleet";
export type { DomainTypePref, HostInfo, HostStatus, HostView, ProbeStep, ProbeStepId } from "@/lib/contracts/fleet";

/** The host showed a key that is not the pinned one (or nothing is pinned yet). */
export function hostKeyToConfirm(host: HostView): string | null {
  const presented = host.presentedHostKeySha256;
  return presented && presented !== host.hostKeySha256 ? presented : null;
}

export const hostHref = (id: string) => `/hosts/${encodeURIComponent(id)}`;
