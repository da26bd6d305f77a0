import { requirePageUser } from "@/lib/http/page-guard";
import { privilegesAt } from "@/lib/authz";
import { pageTitle } from "@/lib/i18n/server";
import { HostDetailClient } from "@/components/hosts/host-detail-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("hosts", "detail.pageTitle");

export default async function HostPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const user = await requirePageUser("host.view", `/hosts/${id}`, { hostId: id });
  const held = await privilegesAt(user.principal, { hostId: id });
  // Address, port, user, URI and the connection test need host.manage globally.
  const global = await privilegesAt(user.principal);
  return (
    <HostDetailClient
      key={id}
      hostId={id}
      canManage={held.has("host.manage")}
      canManageEndpoint={global.has("host.manage")}
      canPower={held.has("vm.power")}
    />
  );
}
