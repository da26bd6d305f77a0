import "server-only";
/** Sends one named Server-Sent Event; a closed stream makes it a no-op. */
export type SseSend = (event: string, data: unknown) => void;

/** How often a comment-free `ping` event keeps proxies from closing an idle stream. */
const PING_MS = 15_000;

/**
 * A Server-Sent Events response. `open` starts the producer and returns its
 * teardown, which runs once when the client goes away (request aborted, stream
 * cancelled) or an enqueue fails. The browser is told to reconnect after 2 s.
 */
export function sseResponse(signal: AbortSignal, open: (send: SseSend) => () => void): Response {
  const encoder = new TextEncoder();
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
      const stop = open(send);
      const ping = setInterval(() => send("ping", {}), PING_MS);
      controller.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
      cleanup = () => {
        if (closed) return;
        closed = true;
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
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache, no-transform", "x-accel-buffering": "no" },
  });
}
