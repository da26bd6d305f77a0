import "server-only";
/** Sends one named Server-Sent Event; a closed stream makes it a no-op. */
export type SseSend = (event: string, data: unknown) => void;
/** Ends the stream from the server's side: an `end` event with the reason, then the stream closes. */
export type SseEnd = (reason: string) => void;

/** How often a comment-free `ping` event keeps proxies from closing an idle stream. */
const PING_MS = 15_000;

/**
 * A Server-Sent Events response. `open` starts the producer and returns its
 * teardown, which runs once when the client goes away (request aborted, stream
 * cancelled), an enqueue fails, or the producer calls `end`. The browser is told to reconnect after 2 s
 * (a caller whose access ended is then refused).
 *
 * `owner` (the route's Request) is held until the stream ends. A Request made with a signal follows
 * that signal only through a weak reference to its own AbortController, which the Request holds
 * (undici's Request constructor): once nothing else holds the Request, a GC breaks the link and
 * `signal` never fires, so the stream, its timers and its per-user slot would outlive the client.
 */
export function sseResponse(
  signal: AbortSignal,
  open: (send: SseSend, end: SseEnd) => () => void,
  owner?: object,
): Response {
  const encoder = new TextEncoder();
  const holder: { owner?: object } = { owner };
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const send: SseSend = (event, data) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          cleanup();
        }
      };
      const end: SseEnd = (reason) => {
        send("end", { reason });
        cleanup();
      };
      const stop = open(send, end);
      const ping = setInterval(() => send("ping", {}), PING_MS);
      controller.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
      cleanup = () => {
        if (closed) return;
        closed = true;
        holder.owner = undefined;
        clearInterval(ping);
        stop();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      signal.addEventListener("abort", () => cleanup());
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
    },
  });
}
