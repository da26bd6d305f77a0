import { userRoute } from "@/lib/http/route";
import { liveStreamResponse } from "@/lib/http/live-stream";
import { eventsVisibleFeed } from "@/lib/fleet/events";
import { mediaResponse } from "@/lib/http/route-contract";

export const dynamic = "force-dynamic";

/**
 * Server-Sent Events: VM and host changes as libvirt reports them, only for
 * the VMs the subscriber may view (and the hosts they see something on),
 * re-read while the stream lives (lib/fleet/events.ts). The stream ends
 * (event `end`) once the caller is signed out or disabled or their API token
 * is revoked or expires; 429 past the per-user stream cap
 * (lib/http/live-stream.ts).
 */
export const GET = userRoute(
  {
    responses: { 200: mediaResponse("text/event-stream", "Server-sent events") },
  },
  async ({ req, caller }) => {
    const feed = await eventsVisibleFeed(caller.principal);
    return liveStreamResponse(req, caller.principal, feed);
  },
);
