import { requirePageUser } from "@/lib/http/page-guard";
import { pageTitle } from "@/lib/i18n/server";
import { rolesList } from "@/lib/authz/roles";
import { RolesClient } from "@/components/access/roles-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("access", "roles.title");

export default async function RolesPage() {
  await requirePageUser("user.manage", "/roles");
  return <RolesClient initialRoles={await rolesList()} />;
}
