"use client";

import { useMemo } from "react";
import { byName, enc, useApi, useList } from "@/components/data/use-api";
import type { BackupJobView, BackupPointView, RepositoryView } from "@/lib/contracts/backup";
import type { StoragePool } from "@/lib/contracts/storage";
import type { BackupVmOption } from "@/components/backups/types";

/** Backup repositories (GET /api/backups/repositories). */
export function useRepositories() {
  return useList<RepositoryView>("/api/backups/repositories", "repositories", byName);
}

/** Backup jobs (GET /api/backups/jobs). */
export function useBackupJobs() {
  return useList<BackupJobView>("/api/backups/jobs", "jobs", byName);
}

/** A VM's backup points, newest first (GET /api/vms/:hostId/:uuid/backups); null: no VM chosen. */
export function useBackupPoints(vm: { hostId: string; uuid: string } | null) {
  return useList<BackupPointView>(vm ? `/api/vms/${enc(vm.hostId)}/${enc(vm.uuid)}/backups` : null, "points");
}

/** Storage pools of the host a restore goes to. */
export function useRestorePools(hostId: string) {
  return useApi<{ pools: StoragePool[] }>(hostId ? `/api/hosts/${enc(hostId)}/storage/pools` : null);
}

/** The VMs a backup can be taken of or a job made for: the caller's first 200 VMs by name (GET /api/vms). */
export function useBackupVmOptions(): BackupVmOption[] {
  const { data } = useApi<{ vms: BackupVmOption[] }>("/api/vms?pageSize=200");
  return useMemo(
    () => (data?.vms ?? []).map((v) => ({ hostId: v.hostId, hostName: v.hostName, uuid: v.uuid, name: v.name })),
    [data],
  );
}
