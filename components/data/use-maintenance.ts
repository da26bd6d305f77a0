"use client";

import { enc, useApi } from "@/components/data/use-api";
import type { MaintenancePlan } from "@/lib/contracts/maintenance";
import type { PreflightReport } from "@/lib/contracts/migration";

/** A host's maintenance plan (GET /api/hosts/:id/maintenance); null id: not loaded. Read once, not polled. */
export function useMaintenancePlan(hostId: string | null) {
  const swr = useApi<MaintenancePlan>(hostId ? `/api/hosts/${enc(hostId)}/maintenance` : null, {
    revalidateOnFocus: false,
  });
  return { plan: swr.data ?? null, error: swr.error ?? null, loading: swr.isLoading, reload: swr.mutate };
}

/** The pre-flight report of one VM towards a destination the operator picked in the plan; null: none asked. */
export function useMaintenancePreflight(hostId: string, uuid: string, destHostId: string | null) {
  const swr = useApi<PreflightReport>(
    destHostId ? `/api/vms/${enc(hostId)}/${enc(uuid)}/migrate?destHostId=${enc(destHostId)}` : null,
    { revalidateOnFocus: false },
  );
  return { report: swr.data ?? null, error: swr.error ?? null, loading: swr.isLoading };
}
