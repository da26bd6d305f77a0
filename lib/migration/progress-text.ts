import type { MigrationJobInfo } from "@/lib/libvirt/migration-jobinfo";
import { msg, type TaskText } from "@/lib/tasks/task-text";

const mib = (n: number) => Math.round(n / 104857.6) / 10;

/**
 * A migration task's status line from `domjobinfo`: the phase, and once libvirt counts data, MiB sent and
 * remaining, the memory dirty rate and the expected downtime when it reports them (a message key: the
 * reader's language and number format).
 */
export function migrationProgressText(j: MigrationJobInfo): TaskText {
  if (j.dataProcessed === null || j.dataRemaining === null) return msg("steps.migrateSetup", { phase: j.phase });
  return msg("steps.migrateCopying", {
    phase: j.phase,
    sent: mib(j.dataProcessed),
    remaining: mib(j.dataRemaining),
    dirty: j.memoryDirtyRate ? String(j.memoryDirtyRate) : "none",
    downtime: j.expectedDowntimeMs !== null ? String(j.expectedDowntimeMs) : "none",
  });
}
