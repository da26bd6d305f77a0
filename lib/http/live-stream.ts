import "server-only";
import { env } from "@/lib/env";
import { AppError } from "@/lib/http/errors";
import { sseResponse, type SseSend } from "@/lib/http/sse";
import { callerWatch, type TickReads } from "@/lib/auth/caller-watch";
import type { Principal } from "@/lib/authz";

/**
 * A live-update stream (Server-Sent Events) for one caller: at most VIRTDECK_MAX_STREAMS_PER_USER
 * open per user on this instance (browser sessions and API tokens together; 429 beyond), and closed
 * with an `end` event once the caller may no longer go on (lib/auth/caller-watch.ts: signed out,
 * account disabled, API token revoked or expired). What the caller may see is re-read on the same tick.
 *
 * The count lives in this process's memory: the cap is per instance (it bounds the memory and
 * timers a user can hold here), which the README says.
 */
const KEY = Symbol.for("virtdeck.liveStreams");

function open(): Map<string, number> {
  const g = globalThis as unknown as { [KEY]?: Map<string, number> };
  g[KEY] ??= new Map();
  return g[KEY];
}

/** Streams the user holds open on this instance now. */
export function liveStreamCount(userId: string): number {
  return open().get(userId) ?? 0;
}

function slotTake(userId: string): () => void {
  const max = env().VIRTDECK_MAX_STREAMS_PER_USER;
  const streams = open();
  const n = streams.get(userId) ?? 0;
  if (n >= max)
    throw new AppError(
      "rate_limited",
      `You have ${max} live-update streams open, the most allowed per user: close a tab or window first`,
      { data: { limit: max } },
    );
  streams.set(userId, n + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (streams.get(userId) ?? 1) - 1;
    if (left > 0) streams.set(userId, left);
    else streams.delete(userId);
  };
}

/**
 * What a stream's producer returns: its teardown, or its teardown and a `refresh` that re-reads what
 * the caller may see, run on each tick of the caller re-check (lib/auth/caller-watch.ts) while the
 * caller may go on.
 */
export type LiveFeed = (() => void) | { stop: () => void; refresh?: (reads: TickReads) => Promise<void> };

/** `req` is the route's request: its signal ends the stream, and it is held while the stream lives (see sseResponse). */
export function liveStreamResponse(req: Request, principal: Principal, produce: (send: SseSend) => LiveFeed): Response {
  const release = slotTake(principal.user.id);
  try {
    return sseResponse(
      req.signal,
      (send, end) => {
        let feed: LiveFeed;
        try {
          feed = produce(send);
        } catch (err) {
          release();
          throw err;
        }
        const { stop, refresh } = typeof feed === "function" ? { stop: feed, refresh: undefined } : feed;
        const unwatch = callerWatch({ principal }, { end, refresh });
        return () => {
          unwatch();
          stop();
          release();
        };
      },
      req,
    );
  } catch (err) {
    release();
    throw err;
  }
}
