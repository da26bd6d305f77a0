import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { roleCan } from "@/lib/auth/permissions";
import { getT } from "@/lib/i18n/server";
import { HostsClient } from "@/components/hosts/hosts-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("hosts"))("title") };
}

export default async function HostsPage() {
  const user = await requirePageUser("host.view", "/hosts");
  return <HostsClient csrfToken={user.csrfToken} canManage={roleCan(user.role, "host.manage")} />;
}
