import { NextResponse } from "next/server";
import { z } from "zod";
import { userRoute } from "@/lib/http/route";
import { taskGet } from "@/lib/tasks/tasks";

export const dynamic = "force-dynamic";

const QuerySchema = z.object({ logsAfter: z.coerce.bigint().nonnegative().optional() });

/** One task with its log lines (after `logsAfter`, a log line id, when given). */
export const GET = userRoute<undefined, { id: string }>({}, async ({ req, caller, params }) => {
  const q = QuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return NextResponse.json({ task: await taskGet(caller, params.id, { logsAfter: q.logsAfter }) });
});
