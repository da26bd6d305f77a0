import "server-only";
import { childLogger } from "@/lib/log";
import { auditIterate, auditRecord, type AuditActor, type AuditFilter } from "./audit";
import { csvRow } from "./csv";

const COLUMNS = [
  "id",
  "time",
  "actor",
  "actor_id",
  "action",
  "outcome",
  "target_type",
  "target_id",
  "target_name",
  "ip",
  "details",
] as const;
/** Rows per chunk the stream hands on. */
const CHUNK_ROWS = 200;

/** The filter as recorded in the export's own audit line (dates as ISO strings, unset fields left out). */
function filterDetails(filter: AuditFilter): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
  );
}

/**
 * The audit log as CSV, with the page's filters, newest first. The export is itself audited.
 * Streamed in batches from PostgreSQL, so a large export holds one batch in memory.
 */
export async function auditCsvExport(
  caller: { actor: AuditActor; ip: string },
  filter: AuditFilter,
): Promise<{ stream: ReadableStream<Uint8Array>; filename: string }> {
  await auditRecord({
    actor: caller.actor,
    action: "audit.export",
    ip: caller.ip,
    details: { filter: filterDetails(filter) },
  });
  const events = auditIterate(filter);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(csvRow(COLUMNS)));
    },
    async pull(controller) {
      try {
        let chunk = "";
        for (let i = 0; i < CHUNK_ROWS; i++) {
          const next = await events.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          const e = next.value;
          chunk += csvRow([
            e.id,
            e.at,
            e.actorName,
            e.actorId ?? "",
            e.action,
            e.outcome,
            e.targetType,
            e.targetId,
            e.targetName,
            e.ip,
            e.details,
          ]);
        }
        controller.enqueue(encoder.encode(chunk));
      } catch (err) {
        childLogger("audit").error({ err }, "audit export failed");
        controller.error(err);
      }
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return { stream, filename: `virtdeck-audit-${stamp}.csv` };
}
