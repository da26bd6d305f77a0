import { userRoute } from "@/lib/http/route";
import { eventsSubscribe } from "@/lib/fleet/events";

export const dynamic = "force-dynamic";

/** Server-Sent Events: VM and host changes as libvirt reports them. */
export const GET = userRoute({ privilege: "vm.view" }, async ({ req }) => {
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
      const unsubscribe = eventsSubscribe(
        (e) => send("vm", e),
        (e) => send("host", e),
      );
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
