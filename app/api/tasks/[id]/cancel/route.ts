import { NextResponse } from "next/server";
import { userRoute } from "@/lib/http/route";
import { taskCancel } from "@/lib/tasks/tasks";
import { IdParamsSchema } from "@/lib/contracts/api/common";
import { TaskResponseSchema } from "@/lib/contracts/api/tasks";

/** Cancels a queued or running task the caller may see (own, or any with user.manage globally, after an API token's limit). */
export const POST = userRoute<undefined, { id: string }>(
  {
    params: IdParamsSchema,
    responses: { 200: TaskResponseSchema },
  },
  async ({ caller, params }) => {
    return NextResponse.json({ task: await taskCancel(caller, params.id) });
  },
);
