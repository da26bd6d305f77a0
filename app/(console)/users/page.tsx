import { requirePageUser } from "@/lib/http/page-guard";
import { pageTitle } from "@/lib/i18n/server";
import { usersList } from "@/lib/users/users";
import { UsersClient } from "@/components/users/users-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("users", "title");

export default async function UsersPage() {
  const me = await requirePageUser("user.manage", "/users");
  return <UsersClient initialUsers={await usersList()} meId={me.id} />;
}
