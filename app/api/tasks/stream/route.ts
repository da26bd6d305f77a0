import { userRoute } from "@/lib/http/route";
import { sseResponse } from "@/lib/http/sse";
import { taskUpdatesSubscribe } from "@/lib/tasks/live";

export const dynamic = "force-dynamic";

/** Server-Sent Events: `task` events carrying TaskView[] whenever tasks the caller may see change. */
export const GET = userRoute({}, async ({ req, principal }) =>
  sseResponse(req.signal, (send) => taskUpdatesSubscribe(principal, (tasks) => send("tasks", tasks))),
);
