import { requirePageUser } from "@/lib/http/page-guard";
import { pageHostOptions } from "@/lib/http/page-hosts";
import { pageTitle } from "@/lib/i18n/server";
import { StorageClient } from "@/components/storage/storage-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("storage", "title");

/** Pools, volumes and the ISO library of the hosts the user may view. */
export default async function StoragePage() {
  const user = await requirePageUser("host.view", "/storage", "anywhere");
  // Upload, create and delete are offered only on hosts where the user may manage storage (the routes check it too).
  const hosts = await pageHostOptions(user.principal, "storage.manage");
  return <StorageClient hosts={hosts} />;
}
