import type { IncomingMessage, ServerResponse } from "node:http";
import { bodyCeilingFor, declaredLength } from "@/lib/http/body-limits";

/**
 * Node-level guards of the custom server (server.ts), before Next sees a request.
 * Request heads are bounded by the server's maxHeaderSize (16 KiB, also for CONNECT).
 */
export const REQUEST_HEAD_MAX_BYTES = 16 * 1024;

/** How long a refused upload may keep sending after the answer before its connection is cut. */
const LINGER_MS = 1_000;

/**
 * Refuses a declared Content-Length above what the path can ever take (413, nothing read;
 * with bodyAbandonWhenAnswered the connection closes). True when the request was answered here.
 */
export function requestTooLarge(req: IncomingMessage, res: ServerResponse): boolean {
  const declared = declaredLength(req.headers["content-length"]);
  if (declared === null) return false;
  const max = bodyCeilingFor((req.url ?? "/").split("?")[0]);
  if (declared <= max) return false;
  const body = JSON.stringify({
    error: { code: "payload_too_large", message: `Request body is larger than ${max} bytes` },
  });
  res.writeHead(413, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
  return true;
}

/** An unread request body up to this size is left to Node, which reads it off and keeps the connection. */
const DUMP_MAX_BYTES = 64 * 1024;

/**
 * Once a response is sent, a large request body nobody read to its end (a 413, or a route
 * that answered without reading) is not read on: Node would otherwise read and discard
 * it for as long as the client sends. Such a request is answered with `Connection: close`
 * (set before the route runs, so the client never sends another request on a socket that
 * is about to close), the socket is half-closed after the answer and destroyed shortly
 * after (not at once, so the client still receives the answer). A small body (declared
 * length up to 64 KiB) is left to Node: it reads the rest off and the connection stays
 * usable for the client's next request.
 */
export function bodyAbandonWhenAnswered(req: IncomingMessage, res: ServerResponse): void {
  const length = req.headers["content-length"];
  const declared = declaredLength(length);
  const small =
    req.headers["transfer-encoding"] === undefined &&
    (length === undefined || (declared ?? Infinity) <= DUMP_MAX_BYTES);
  if (small) return;
  res.setHeader("connection", "close");
  res.once("finish", () => {
    if (!req.complete) bodyAbandon(req);
  });
}

function bodyAbandon(req: IncomingMessage): void {
  const socket = req.socket;
  if (socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}
