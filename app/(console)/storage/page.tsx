import { requirePageUser } from "@/lib/http/page-guard";
import { authorize, visibility, visibilityHosts } from "@/lib/authz";
import { hostsList } from "@/lib/fleet/hosts";
import { pageTitle } from "@/lib/i18n/server";
import { StorageClient } from "@/components/storage/storage-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("storage", "title");

/** Pools, volumes and the ISO library of the hosts the user may view. */
export default async function StoragePage() {
  const user = await requirePageUser("host.view", "/storage", "anywhere");
  const hosts = (await hostsList(visibilityHosts(await visibility(user.principal, "host.view")))).filter(
    (h) => !!h.hostKeySha256,
  );
  // Upload, create and delete are offered only on hosts where the user may manage storage (the routes check it too).
  const options = await Promise.all(
    hosts.map(async (h) => ({
      id: h.id,
      name: h.name,
      canManage: await authorize(user.principal, "storage.manage", { hostId: h.id }),
    })),
  );
  return <StorageClient hosts={options} />;
}
