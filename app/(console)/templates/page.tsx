import type { Metadata } from "next";
import { requirePageUser } from "@/lib/auth/page-guard";
import { privilegesAnywhere } from "@/lib/authz";
import { getT } from "@/lib/i18n/server";
import { TemplatesClient } from "@/components/templates/templates-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("templates"))("title") };
}

export default async function TemplatesPage() {
  const user = await requirePageUser("template.use", "/templates", "anywhere");
  const held = await privilegesAnywhere(user.principal);
  return <TemplatesClient csrfToken={user.csrfToken} canManage={held.has("template.manage")} canCreateVm={held.has("vm.create")} />;
}
