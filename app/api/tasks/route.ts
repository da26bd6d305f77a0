import { TaskListQuerySchema, taskList } from "@/lib/tasks/tasks";
import { TaskListResponseSchema } from "@/lib/contracts/api/tasks";
import { jsonRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** Tasks the caller may see (their own; everyone's with user.manage globally, after an API token's limit), newest first. */
export const GET = jsonRoute(
  { query: TaskListQuerySchema, responses: { 200: TaskListResponseSchema } },
  async ({ caller, query }) => ({ tasks: await taskList(caller, query) }),
);
