"use client";

import { enc, useApi } from "@/components/data/use-api";
import type { SnapshotCapabilities, SnapshotView } from "@/lib/contracts/snapshot";

export interface SnapshotList {
  snapshots: SnapshotView[];
  capabilities: SnapshotCapabilities;
}

/** A VM's snapshot tree and what may be taken now (GET /api/vms/:hostId/:uuid/snapshots). */
export function useSnapshots(hostId: string, uuid: string) {
  const swr = useApi<SnapshotList>(`/api/vms/${enc(hostId)}/${enc(uuid)}/snapshots`);
  return {
    data: swr.data ?? null,
    error: swr.error ?? null,
    loading: swr.isLoading,
    reload: async () => {
      await swr.mutate();
    },
  };
}
