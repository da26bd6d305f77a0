"use client";

import { enc, useApi } from "@/components/data/use-api";
import type { StorageVolume } from "@/lib/contracts/storage";
import type { PoolView } from "@/lib/contracts/storage-pool";

/** A host's storage pools with state, autostart, sizes and source (GET /api/hosts/:id/storage/pools). */
export function useStoragePools(hostId: string) {
  return useApi<{ pools: PoolView[] }>(hostId ? `/api/hosts/${enc(hostId)}/storage/pools` : null);
}

/** The ISO images a host offers (GET /api/hosts/:id/storage/isos). */
export function useIsos(hostId: string) {
  return useApi<{ isos: StorageVolume[] }>(hostId ? `/api/hosts/${enc(hostId)}/storage/isos` : null);
}

/** The volumes of one pool (GET /api/hosts/:id/storage/pools/:pool/volumes); null pool: none chosen. */
export function useVolumes(hostId: string, pool: string | null) {
  return useApi<{ volumes: StorageVolume[] }>(
    hostId && pool ? `/api/hosts/${enc(hostId)}/storage/pools/${enc(pool)}/volumes` : null,
  );
}
