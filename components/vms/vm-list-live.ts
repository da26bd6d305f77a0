import { vmKey, type VmState, type VmSummary } from "@/components/vms/types";
import type { VmListQuery } from "@/components/vms/vm-list-query";

/** `event: vm` of GET /api/events. `vm` is null when the VM is gone. */
export interface VmEvent {
  hostId: string;
  uuid: string;
  vm: VmSummary | null;
}

/** Last known state of every VM the list has seen, on this page or not. */
export type KnownVms = Map<string, VmState>;

export function knownVmsRemember(known: KnownVms, vms: readonly VmSummary[]): void {
  for (const vm of vms) known.set(vmKey(vm), vm.state);
}

/**
 * Applies a live event to the rows of the current page. Rows on the page are
 * updated in place; `refetch` says that the page itself may have changed (a VM
 * appeared or disappeared, or moved into or out of the state filter), which
 * the caller answers with one debounced reload. Events for VMs already known
 * elsewhere (CPU ticks of VMs on other pages) never cause a reload, so a
 * fleet of 1,000 busy VMs does not reload the page every second.
 */
export function vmListApplyEvent(
  vms: readonly VmSummary[],
  event: VmEvent,
  query: Pick<VmListQuery, "host" | "state">,
  known: KnownVms,
): { vms: VmSummary[]; refetch: boolean } {
  if (query.host && event.hostId !== query.host) return { vms: vms as VmSummary[], refetch: false };
  const key = vmKey(event);
  const at = vms.findIndex((v) => vmKey(v) === key);
  const previous = known.get(key);

  if (!event.vm) {
    known.delete(key);
    return { vms: at < 0 ? (vms as VmSummary[]) : vms.filter((_, i) => i !== at), refetch: true };
  }

  const vm = event.vm;
  known.set(key, vm.state);
  const stateChanged = previous !== undefined && previous !== vm.state;
  if (at >= 0) {
    const next = vms.slice();
    next[at] = vm;
    return { vms: next, refetch: Boolean(query.state) && stateChanged && vm.state !== query.state };
  }
  // Not on this page: new to us, or it may now enter the state filter.
  return {
    vms: vms as VmSummary[],
    refetch: previous === undefined || (Boolean(query.state) && stateChanged && vm.state === query.state),
  };
}
