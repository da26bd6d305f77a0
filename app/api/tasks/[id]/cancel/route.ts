import { taskCancel } from "@/lib/tasks/tasks";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";
import { recordRoute } from "@/lib/http/json-route";

/** Cancels a queued or running task the caller may see (own, or any with user.manage globally, after an API token's limit). */
export const POST = recordRoute({ responses: { 200: TaskResponseSchema } }, async ({ caller, params }) => ({
  task: await taskCancel(caller, params.id),
}));
