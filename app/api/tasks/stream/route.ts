import { userRoute } from "@/lib/http/route";
import { taskUpdatesSubscribe } from "@/lib/tasks/live";

export const dynamic = "force-dynamic";

/** Server-Sent Events: `task` events carrying TaskView[] whenever tasks the caller may see change. */
export const GET = userRoute({}, async ({ req, session }) => {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (event: string, data: unknown) => {
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          cleanup();
        }
      };
      const unsubscribe = taskUpdatesSubscribe(session, (tasks) => send("tasks", tasks));
      const ping = setInterval(() => send("ping", {}), 15_000);
      controller.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
      cleanup = () => {
        clearInterval(ping);
        unsubscribe();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      req.signal.addEventListener("abort", () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
});
