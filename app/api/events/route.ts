import { userRoute } from "@/lib/http/route";
import { liveStreamResponse } from "@/lib/http/live-stream";
import { eventsSubscribe } from "@/lib/fleet/events";
import { visibility, visibilityHas, visibilityHosts, type Visibility } from "@/lib/authz";
import { mediaResponse } from "@/lib/http/route-contract";

export const dynamic = "force-dynamic";

/** How often a subscriber's visibility is re-read, so that granted and revoked access apply to an open stream. */
const VISIBILITY_REFRESH_MS = 2_000;

/**
 * Server-Sent Events: VM and host changes as libvirt reports them, only for
 * the VMs the subscriber may view (and the hosts they see something on). The
 * stream ends (event `end`) once the caller is signed out or disabled or their
 * API token is revoked or expires; 429 past the per-user stream cap
 * (lib/http/live-stream.ts).
 */
export const GET = userRoute({
    responses: { 200: mediaResponse("text/event-stream", "Server-sent events") },
  }, async ({ req, caller }) => {
  let visible: Visibility = await visibility(caller.principal, "vm.view");
  const hostVisible = (hostId: string) => {
    const hosts = visibilityHosts(visible);
    return hosts === "all" || hosts.has(hostId.toLowerCase());
  };
  return liveStreamResponse(req, caller.principal, (send) => {
    const unsubscribe = eventsSubscribe(
      (e) => {
        if (visibilityHas(visible, e.hostId, e.uuid)) send("vm", e);
      },
      (e) => {
        if (hostVisible(e.hostId)) send("host", e);
      },
    );
    let refreshing = false;
    const refresh = setInterval(() => {
      if (refreshing) return;
      refreshing = true;
      visibility(caller.principal, "vm.view")
        .then((next) => {
          // VMs granted one by one that are no longer visible: tell the browser to drop them.
          for (const key of visible.vms) {
            const [hostId, uuid] = key.split("/");
            if (!visibilityHas(next, hostId, uuid)) send("vm", { hostId, uuid, vm: null });
          }
          visible = next;
        })
        .catch(() => {})
        .finally(() => (refreshing = false));
    }, VISIBILITY_REFRESH_MS);
    return () => {
      clearInterval(refresh);
      unsubscribe();
    };
  });
});
