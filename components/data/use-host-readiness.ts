"use client";

import type { HostReadiness } from "@/lib/contracts/host-readiness";
import { enc, useApi } from "@/components/data/use-api";

/** A host's setup checklist (GET /api/hosts/:id/readiness); `put` shows what a fix answered at once. */
export function useHostReadiness(hostId: string | null) {
  const path = hostId ? `/api/hosts/${enc(hostId)}/readiness` : null;
  const swr = useApi<{ readiness: HostReadiness }>(path);
  return {
    readiness: swr.data?.readiness ?? null,
    error: swr.error ?? null,
    loading: swr.isLoading,
    put: (readiness: HostReadiness) => void swr.mutate({ readiness }, { revalidate: false }),
    reload: () => void swr.mutate(),
  };
}
