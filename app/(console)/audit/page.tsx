import { requirePageUser } from "@/lib/auth/page-guard";
import { AuditQuerySchema, auditList } from "@/lib/audit/audit";
import { AuditClient } from "@/components/audit/audit-client";

export const dynamic = "force-dynamic";

export default async function AuditPage() {
  await requirePageUser("audit.view", "/audit");
  const first = await auditList(AuditQuerySchema.parse({}));
  return <AuditClient initial={first} />;
}
