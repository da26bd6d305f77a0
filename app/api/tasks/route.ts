import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { TaskListQuerySchema, taskList } from "@/lib/tasks/tasks";
import { TaskListResponseSchema } from "@/lib/contracts/api/tasks";

export const dynamic = "force-dynamic";

/** Tasks the caller may see (their own; everyone's with user.manage globally, after an API token's limit), newest first. */
export const GET = userRoute(
  {
    query: TaskListQuerySchema,
    responses: { 200: TaskListResponseSchema },
  },
  async ({ caller, query }) => {
    return NextResponse.json({ tasks: await taskList(caller, query) });
  },
);
