import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { taskGet } from "@/lib/tasks/tasks";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { TaskDetailQuerySchema, TaskDetailResponseSchema } from "@/lib/contracts/api/tasks";

export const dynamic = "force-dynamic";

/** One task with its log lines (after `logsAfter`, a log line id, when given). */
export const GET = userRoute<undefined, { id: string }, typeof TaskDetailQuerySchema>(
  {
    params: IdParamsSchema,
    query: TaskDetailQuerySchema,
    responses: { 200: TaskDetailResponseSchema },
  },
  async ({ caller, params, query }) => {
    return NextResponse.json({ task: await taskGet(caller, params.id, { logsAfter: query.logsAfter }) });
  },
);
