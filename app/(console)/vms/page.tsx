import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { roleCan } from "@/lib/auth/permissions";
import { getT } from "@/lib/i18n/server";
import { VmsClient } from "@/components/vms/vms-client";
import { vmListQueryParse } from "@/components/vms/vm-list-query";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("vms"))("title") };
}

export default async function VmsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const user = await requirePageUser("vm.view", "/vms");
  return (
    <VmsClient
      csrfToken={user.csrfToken}
      canPower={roleCan(user.role, "vm.power")}
      canViewHosts={roleCan(user.role, "host.view")}
      canConsole={roleCan(user.role, "vm.console")}
      initialQuery={vmListQueryParse(await searchParams)}
    />
  );
}
