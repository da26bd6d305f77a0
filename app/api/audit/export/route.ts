import { userRoute } from "@/lib/http/route";
import { AuditFilterSchema, auditIterate, auditRecord } from "@/lib/audit/audit";
import { csvRow } from "@/lib/audit/csv";
import { mediaResponse } from "@/lib/http/route-contract";

const COLUMNS = ["id", "time", "actor", "actor_id", "action", "outcome", "target_type", "target_id", "target_name", "ip", "details"] as const;

/**
 * The audit log as CSV, with the page's filters, newest first. Streamed in
 * batches from PostgreSQL, so a large export holds one batch in memory.
 */
export const GET = userRoute({
    query: AuditFilterSchema, responses: { 200: mediaResponse("text/csv", "The audit events as CSV") },
    privilege: "audit.view" }, async ({ req, caller, ip }) => {
  const filter = AuditFilterSchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  await auditRecord({
    actor: caller.actor,
    action: "audit.export",
    ip,
    details: {
      filter: Object.fromEntries(
        Object.entries(filter)
          .filter(([, v]) => v !== undefined)
          .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
      ),
    },
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
        for (let i = 0; i < 200; i++) {
          const next = await events.next();
          if (next.done) {
            if (chunk) controller.enqueue(encoder.encode(chunk));
            controller.close();
            return;
          }
          const e = next.value;
          chunk += csvRow([e.id, e.at, e.actorName, e.actorId ?? "", e.action, e.outcome, e.targetType, e.targetId, e.targetName, e.ip, e.details]);
        }
        controller.enqueue(encoder.encode(chunk));
      } catch (err) {
        console.error("audit export failed", err);
        controller.error(err);
      }
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="virtdeck-audit-${stamp}.csv"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
