/**
 * `virsh domjobinfo --rawstats` of a migration job: "Job type: N" then "key: value" lines of libvirt's
 * typed parameters (VIR_DOMAIN_JOB_*), read by parseDomJobInfo. Pure; lib/libvirt/migration-jobinfo.test.ts
 * holds real outputs.
 */
import { DOM_JOB_TYPES, parseDomJobInfo } from "@/lib/libvirt/domjobinfo-parse";

export type MigrationPhase = "none" | "setup" | "copying" | "postcopy" | "completed" | "failed" | "cancelled";

export interface MigrationJobInfo {
  /** libvirt's job type: 0 none, 1 bounded, 2 unbounded, 3 completed, 4 failed, 5 cancelled. */
  jobType: number;
  phase: MigrationPhase;
  elapsedMs: number | null;
  dataTotal: number | null;
  dataProcessed: number | null;
  dataRemaining: number | null;
  memoryDirtyRate: number | null;
  memoryIteration: number | null;
  /** Expected downtime while running (ms); the measured downtime once completed. */
  downtimeMs: number | null;
  expectedDowntimeMs: number | null;
}

const PHASE_BY_TYPE: Record<number, MigrationPhase> = {
  0: "none",
  1: "copying",
  2: "copying",
  3: "completed",
  4: "failed",
  5: "cancelled",
};

/** A migration's view of `parseDomJobInfo`: the job type's number, the phase, the sizes as safe integers. */
export function parseJobInfoRaw(text: string): MigrationJobInfo {
  const info = parseDomJobInfo(text);
  const known = DOM_JOB_TYPES.indexOf(info.type);
  const jobType = known >= 0 ? known : Number.parseInt(info.type, 10) || 0;
  const num = (k: string): number | null => {
    const v = info.raw[k];
    return typeof v === "number" && Number.isSafeInteger(v) ? v : null;
  };
  let phase = PHASE_BY_TYPE[jobType] ?? "none";
  if (phase === "copying") {
    if ((num("memory_postcopy_requests") ?? 0) > 0) phase = "postcopy";
    else if ((num("data_total") ?? 0) === 0) phase = "setup";
  }
  return {
    jobType,
    phase,
    elapsedMs: num("time_elapsed"),
    dataTotal: num("data_total"),
    dataProcessed: num("data_processed"),
    dataRemaining: num("data_remaining"),
    memoryDirtyRate: num("memory_dirty_rate"),
    memoryIteration: num("memory_iteration"),
    downtimeMs: num("downtime"),
    expectedDowntimeMs: num("downtime") ?? null,
  };
}

/** 0..100 from processed/total; null before libvirt knows the total. */
export function jobPercent(j: MigrationJobInfo): number | null {
  if (!j.dataTotal || j.dataProcessed === null) return null;
  return Math.max(0, Math.min(100, Math.round((j.dataProcessed / j.dataTotal) * 100)));
}
