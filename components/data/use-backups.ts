"use client";

import { byName, enc, useApi, useList } from "@/components/data/use-api";
import type { BackupJobView, BackupPointView, RepositoryView } from "@/lib/contracts/backup";
import type { StoragePool } from "@/lib/contracts/storage";

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
