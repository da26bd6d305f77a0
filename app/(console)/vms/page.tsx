import { requirePageUser } from "@/lib/http/page-guard";
import { privilegesAnywhere } from "@/lib/authz";
import { pageTitle } from "@/lib/i18n/server";
import { VmsClient } from "@/components/vms/vms-client";
import { vmListQueryParse } from "@/components/vms/vm-list-query";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("vms", "title");

export default async function VmsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  // Every signed-in user may open the list: it shows only the VMs they may view (none without grants).
  const user = await requirePageUser();
  // Columns and menus for what the user may do somewhere; each row then shows what it allows.
  const held = await privilegesAnywhere(user.principal);
  return (
    <VmsClient
      canPower={held.has("vm.power")}
      canViewHosts={held.has("host.view")}
      canConsole={held.has("vm.console")}
      canCreate={held.has("vm.create")}
      initialQuery={vmListQueryParse(await searchParams)}
    />
  );
}
