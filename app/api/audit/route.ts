import { AuditQuerySchema, auditList } from "@/lib/audit/audit";
import { AuditListResponseSchema } from "@/lib/contracts/api/tasks";
import { jsonRoute } from "@/lib/http/json-route";

export const GET = jsonRoute(
  { query: AuditQuerySchema, responses: { 200: AuditListResponseSchema }, privilege: "audit.view" },
  async ({ query }) => auditList(query),
);
