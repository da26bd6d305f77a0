import { requirePageUser } from "@/lib/http/page-guard";
import { pageTitle } from "@/lib/i18n/server";
import { TasksClient } from "@/components/tasks/tasks-client";

export const dynamic = "force-dynamic";

export const generateMetadata = pageTitle("tasks", "title");

/** Every signed-in user has this page: it lists their own tasks (admins: everyone's). */
export default async function TasksPage() {
  await requirePageUser(undefined, "/tasks");
  return <TasksClient />;
}
