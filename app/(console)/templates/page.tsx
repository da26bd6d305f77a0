import { requirePageUser } from "@/lib/http/page-guard";
import { accessSnapshot } from "@/lib/authz";
import { hostsList } from "@/lib/fleet/hosts";
import { pageTitle } from "@/lib/i18n/server";
import { TemplatesClient } from "@/components/templates/templates-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("templates", "title");

export default async function TemplatesPage() {
  const user = await requirePageUser("template.use", "/templates", "anywhere");
  const access = await accessSnapshot(user.principal);
  const held = access.anywhere();
  // A template bound to a host is managed with template.manage there; one for every host, globally.
  let manageScope: "all" | string[] = [];
  if ((await access.at()).has("template.manage")) manageScope = "all";
  else if (held.has("template.manage")) {
    for (const h of await hostsList())
      if ((await access.at({ hostId: h.id })).has("template.manage")) manageScope.push(h.id);
  }
  return <TemplatesClient manageScope={manageScope} canCreateVm={held.has("vm.create")} />;
}
