import { requirePageUser } from "@/lib/http/page-guard";
import { pageHostOptions } from "@/lib/http/page-hosts";
import { pageTitle } from "@/lib/i18n/server";
import { BackupsClient } from "@/components/backups/backups-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("backups", "title");

/** Backup repositories, jobs and the backup points of each VM, with restore (backup.manage somewhere). */
export default async function BackupsPage() {
  const user = await requirePageUser("backup.manage", "/backups", "anywhere");
  const hosts = await pageHostOptions(user.principal, "backup.manage");
  return <BackupsClient hosts={hosts} />;
}
