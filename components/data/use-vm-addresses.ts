"use client";

import type { VmAddress } from "@/lib/contracts/fleet";
import { enc, useApi } from "@/components/data/use-api";

export interface VmAddressesResponse {
  addresses: VmAddress[];
  agentConnected: boolean;
  running: boolean;
}

/** Asked again this often while a running guest has no address yet (a DHCP lease takes seconds). */
const WAITING_MS = 5_000;
/** ...and this often once it has one (leases renew, the agent may connect later). */
const KNOWN_MS = 30_000;

/**
 * A VM's IP addresses now (GET /api/vms/:hostId/:uuid/addresses: DHCP leases, the guest agent when
 * connected, the host's ARP table). `running`: read only while the VM runs; a stopped VM has none.
 */
export function useVmAddresses(hostId: string, uuid: string, running: boolean) {
  const swr = useApi<VmAddressesResponse>(running ? `/api/vms/${enc(hostId)}/${enc(uuid)}/addresses` : null, {
    refreshInterval: (d) => (d && d.running && d.addresses.length === 0 ? WAITING_MS : KNOWN_MS),
    keepPreviousData: false,
  });
  return {
    data: swr.data ?? null,
    error: swr.error ?? null,
    loading: swr.isLoading,
    validating: swr.isValidating,
    reload: () => void swr.mutate(),
  };
}
