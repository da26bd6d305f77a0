import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { roleCan } from "@/lib/auth/permissions";
import { getT } from "@/lib/i18n/server";
import { VmDetailClient } from "@/components/vms/vm-detail-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("vms"))("detail.pageTitle") };
}

export default async function VmPage({ params }: { params: Promise<{ hostId: string; uuid: string }> }) {
  const { hostId, uuid } = await params;
  const user = await requirePageUser("vm.view", `/vms/${hostId}/${uuid}`);
  // The ids come decoded from the URL; the client encodes them again for API paths.
  return (
    <VmDetailClient
      key={`${hostId}/${uuid}`}
      hostId={hostId}
      uuid={uuid}
      csrfToken={user.csrfToken}
      canPower={roleCan(user.role, "vm.power")}
      canConsole={roleCan(user.role, "vm.console")}
      canViewHosts={roleCan(user.role, "host.view")}
    />
  );
}
