import { requirePageUser } from "@/lib/http/page-guard";
import { pageHostOptions } from "@/lib/http/page-hosts";
import { pageTitle } from "@/lib/i18n/server";
import { NetworksClient } from "@/components/networks/networks-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("networks", "title");

/** Virtual networks of the hosts the user may view; create/start/stop/delete where they hold network.manage. */
export default async function NetworksPage() {
  const user = await requirePageUser("host.view", "/networks", "anywhere");
  const hosts = await pageHostOptions(user.principal, "network.manage");
  return <NetworksClient hosts={hosts} />;
}
