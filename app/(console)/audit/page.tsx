import { requirePageUser } from "@/lib/http/page-guard";
import { AuditQuerySchema, auditActions, auditList } from "@/lib/audit/audit";
import { db } from "@/lib/db/client";
import { pageTitle } from "@/lib/i18n/server";
import { AuditClient, type AuditFilters } from "@/components/audit/audit-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("audit", "title");

const KEYS = ["actor", "action", "outcome", "host", "vm", "from", "to"] as const;

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  await requirePageUser("audit.view", "/audit");
  const raw = await searchParams;
  const filters: AuditFilters = {};
  for (const k of KEYS) {
    const v = raw[k];
    const s = Array.isArray(v) ? v[0] : v;
    if (s) filters[k] = s;
  }
  // A hand-edited URL with a bad value shows the unfiltered log rather than an error page.
  const parsed = AuditQuerySchema.safeParse(filters);
  const query = parsed.success ? parsed.data : AuditQuerySchema.parse({});
  const [first, hosts, actions] = await Promise.all([
    auditList(query),
    db().host.findMany({ select: { id: true, name: true }, orderBy: { name: "asc" } }),
    auditActions(),
  ]);
  return <AuditClient initial={first} initialFilters={parsed.success ? filters : {}} hosts={hosts} actions={actions} />;
}
