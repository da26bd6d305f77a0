import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { authorize, visibility, visibilityHosts } from "@/lib/authz";
import { hostsList } from "@/lib/fleet/hosts";
import { getT } from "@/lib/i18n/server";
import { StorageClient } from "@/components/storage/storage-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("storage"))("title") };
}

/** Pools, volumes and the ISO library of the hosts the user may view. */
export default async function StoragePage() {
  const user = await requirePageUser("host.view", "/storage", "anywhere");
  const hosts = (await hostsList(visibilityHosts(await visibility(user.principal, "host.view")))).filter((h) => !!h.hostKeySha256);
  const canManage = await authorize(user.principal, "storage.manage", "anywhere");
  return <StorageClient hosts={hosts.map((h) => ({ id: h.id, name: h.name }))} csrfToken={user.csrfToken} canManage={canManage} />;
}
