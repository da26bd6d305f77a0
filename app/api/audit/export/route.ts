import { userRoute } from "@/lib/http/route";
import { AuditFilterSchema } from "@/lib/audit/audit";
import { auditCsvExport } from "@/lib/audit/export";
import { mediaResponse } from "@/lib/http/route-contract";

/** The audit log as CSV, with the page's filters, newest first (streamed; lib/audit/export.ts). */
export const GET = userRoute(
  {
    query: AuditFilterSchema,
    responses: { 200: mediaResponse("text/csv", "The audit events as CSV") },
    privilege: "audit.view",
  },
  async ({ caller, query }) => {
    const { stream, filename } = await auditCsvExport(caller, query);
    return new Response(stream, {
      headers: {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${filename}"`,
        "cache-control": "no-store",
        "x-content-type-options": "nosniff",
      },
    });
  },
);
