import type { Metadata } from "next";
import { requirePageUser } from "@/lib/http/page-guard";
import { getT } from "@/lib/i18n/server";
import { rolesList } from "@/lib/authz/roles";
import { RolesClient } from "@/components/access/roles-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("access"))("roles.title") };
}

export default async function RolesPage() {
  const me = await requirePageUser("user.manage", "/roles");
  return <RolesClient initialRoles={await rolesList()} csrfToken={me.csrfToken} />;
}
