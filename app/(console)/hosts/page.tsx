import { requirePageUser } from "@/lib/http/page-guard";
import { privilegesAt } from "@/lib/authz";
import { pageTitle } from "@/lib/i18n/server";
import { HostsClient } from "@/components/hosts/hosts-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("hosts", "title");

export default async function HostsPage() {
  const user = await requirePageUser("host.view", "/hosts", "anywhere");
  // Adding a host needs host.manage globally; the list shows the hosts the user may view.
  const held = await privilegesAt(user.principal);
  return <HostsClient canManage={held.has("host.manage")} />;
}
