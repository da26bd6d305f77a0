import { userRoute } from "@/lib/http/route";
import { liveStreamResponse } from "@/lib/http/live-stream";
import { taskUpdatesSubscribe } from "@/lib/tasks/live";
import { mediaResponse } from "@/lib/http/route-contract";

export const dynamic = "force-dynamic";

/**
 * Server-Sent Events: `task` events carrying TaskView[] whenever tasks the caller may see change
 * (which tasks is re-read while the stream lives, lib/tasks/live.ts). Ends (event `end`) once the
 * caller is signed out, disabled or their token revoked; 429 past the per-user stream cap
 * (lib/http/live-stream.ts).
 */
export const GET = userRoute(
  {
    responses: { 200: mediaResponse("text/event-stream", "Server-sent events") },
  },
  async ({ req, caller }) =>
    liveStreamResponse(req, caller.principal, (send) =>
      taskUpdatesSubscribe(caller.principal, (tasks) => send("tasks", tasks)),
    ),
);
