import { userRoute } from "@/lib/http/route";
import { AuditFilterSchema } from "@/lib/audit/audit";
import { auditCsvExport } from "@/lib/audit/export";

/** The audit log as CSV, with the page's filters, newest first (streamed; lib/audit/export.ts). */
export const GET = userRoute({ privilege: "audit.view" }, async ({ req, session, ip }) => {
  const filter = AuditFilterSchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  const { stream, filename } = await auditCsvExport({ actor: { id: session.user.id, name: session.user.username }, ip }, filter);
  return new Response(stream, {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
