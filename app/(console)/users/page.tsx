import type { Metadata } from "next";
import { requirePageUser } from "@/lib/http/page-guard";
import { getT } from "@/lib/i18n/server";
import { usersList } from "@/lib/users/users";
import { UsersClient } from "@/components/users/users-client";

export const dynamic = "force-dynamic";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getT("users"))("title") };
}

export default async function UsersPage() {
  const me = await requirePageUser("user.manage", "/users");
  return <UsersClient initialUsers={await usersList()} meId={me.id} csrfToken={me.csrfToken} />;
}
