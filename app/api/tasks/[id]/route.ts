import { taskGet } from "@/lib/tasks/tasks";
import { TaskDetailQuerySchema, TaskDetailResponseSchema } from "@/lib/contracts/api/tasks";
import { recordRoute } from "@/lib/http/json-route";

export const dynamic = "force-dynamic";

/** One task with its log lines (after `logsAfter`, a log line id, when given). */
export const GET = recordRoute(
  { query: TaskDetailQuerySchema, responses: { 200: TaskDetailResponseSchema } },
  async ({ caller, params, query }) => ({ task: await taskGet(caller, params.id, { logsAfter: query.logsAfter }) }),
);
