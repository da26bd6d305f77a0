"use client";

import { enc, useApi } from "@/components/data/use-api";
import type { NetworkLease, NetworkView } from "@/lib/contracts/network";

/** Every network the caller may see, on every host (GET /api/networks); hosts that did not answer in `errors`. */
export interface FleetNetworks {
  networks: NetworkView[];
  errors: { hostId: string; hostName: string; message: string }[];
}

export function useFleetNetworks() {
  const swr = useApi<FleetNetworks>("/api/networks");
  return {
    data: swr.data ?? null,
    error: swr.error ?? null,
    reload: async () => void (await swr.mutate()),
  };
}

/** The DHCP leases of one network now (`net-dhcp-leases`); null: no network chosen. Read again each time it is chosen. */
export function useNetworkLeases(network: Pick<NetworkView, "hostId" | "name"> | null) {
  const swr = useApi<{ leases: NetworkLease[] }>(
    network ? `/api/hosts/${enc(network.hostId)}/networks/${enc(network.name)}/leases` : null,
    { revalidateOnMount: true, keepPreviousData: false },
  );
  return { leases: swr.data?.leases ?? null, error: swr.error ?? null };
}
