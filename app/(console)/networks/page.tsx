import { requirePageUser } from "@/lib/http/page-guard";
import { authorize, visibility, visibilityHosts } from "@/lib/authz";
import { hostsList } from "@/lib/fleet/hosts";
import { pageTitle } from "@/lib/i18n/server";
import { NetworksClient } from "@/components/networks/networks-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("networks", "title");

/** Virtual networks of the hosts the user may view; create/start/stop/delete where they hold network.manage. */
export default async function NetworksPage() {
  const user = await requirePageUser("host.view", "/networks", "anywhere");
  const hosts = (await hostsList(visibilityHosts(await visibility(user.principal, "host.view")))).filter(
    (h) => !!h.hostKeySha256,
  );
  // Changes are offered only on hosts where the user may manage networks (the routes check it too).
  const options = await Promise.all(
    hosts.map(async (h) => ({
      id: h.id,
      name: h.name,
      canManage: await authorize(user.principal, "network.manage", { hostId: h.id }),
    })),
  );
  return <NetworksClient hosts={options} csrfToken={user.csrfToken} />;
}
