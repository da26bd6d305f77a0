import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { AuditQuerySchema, auditList } from "@/lib/audit/audit";
import { getT } from "@/lib/i18n/server";
import { AuditClient } from "@/components/audit/audit-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("audit"))("title") };
}

export default async function AuditPage() {
  await requirePageUser("audit.view", "/audit");
  const first = await auditList(AuditQuerySchema.parse({}));
  return <AuditClient initial={first} />;
}
