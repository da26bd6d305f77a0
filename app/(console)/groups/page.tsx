import { requirePageUser } from "@/lib/http/page-guard";
import { pageTitle } from "@/lib/i18n/server";
import { groupsList } from "@/lib/authz/groups";
import { usersList } from "@/lib/users/users";
import { GroupsClient } from "@/components/access/groups-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("access", "groups.title");

export default async function GroupsPage() {
  await requirePageUser("user.manage", "/groups");
  const users = (await usersList()).map((u) => ({ id: u.id, username: u.username }));
  return <GroupsClient initialGroups={await groupsList()} users={users} />;
}
