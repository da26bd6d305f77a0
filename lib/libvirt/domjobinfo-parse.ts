import "server-only";

/**
 * `virsh domjobinfo --rawstats [--completed]`: the job's type ("None", "Unbounded", "Completed",
 * "Failed", "Cancelled") and its raw typed parameters (`disk_total`, `disk_processed`,
 * `time_elapsed`, `errmsg`...), the same names as libvirt's VIR_DOMAIN_JOB_* fields.
 * https://libvirt.org/manpages/virsh.html#domjobinfo
 */
export interface DomJobInfo {
  /** None | Bounded | Unbounded | Completed | Failed | Cancelled (lower-cased). */
  type: string;
  operation?: string;
  /** Raw typed parameters by name; numbers where the value is an integer. */
  raw: Record<string, string | number>;
  processedBytes?: number;
  totalBytes?: number;
  elapsedMs?: number;
  error?: string;
}

/** virDomainJobType: `--rawstats` prints the job type as its number. */
export const DOM_JOB_TYPES = ["none", "bounded", "unbounded", "completed", "failed", "cancelled"];
/** virDomainJobOperation, as the raw `operation` field gives it. */
const OPERATIONS = [
  "unknown",
  "start",
  "save",
  "restore",
  "migration in",
  "migration out",
  "snapshot",
  "snapshot revert",
  "dump",
  "backup",
  "snapshot delete",
];

export function parseDomJobInfo(stdout: string): DomJobInfo {
  const raw: Record<string, string | number> = {};
  let type = "none";
  let operation: string | undefined;
  for (const line of stdout.split("\n")) {
    const m = /^([A-Za-z][A-Za-z0-9_. ]*?)\s*[:=]\s*(.*)$/.exec(line.trim());
    if (!m) continue;
    const key = m[1].trim();
    const value = m[2].trim();
    if (key === "Job type") type = /^\d+$/.test(value) ? (DOM_JOB_TYPES[Number(value)] ?? value) : value.toLowerCase();
    else if (key === "Operation") operation = value.toLowerCase();
    else if (/^[a-z][a-z0-9_.]*$/.test(key)) raw[key] = /^\d+$/.test(value) ? Number(value) : value;
  }
  if (operation === undefined && typeof raw.operation === "number") operation = OPERATIONS[raw.operation];
  const num = (k: string) => (typeof raw[k] === "number" ? (raw[k] as number) : undefined);
  return {
    type,
    operation,
    raw,
    processedBytes: num("disk_processed") ?? num("data_processed"),
    totalBytes: num("disk_total") ?? num("data_total"),
    elapsedMs: num("time_elapsed"),
    error: typeof raw.errmsg === "string" ? raw.errmsg : undefined,
  };
}
