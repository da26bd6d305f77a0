import { userRoute } from "@/lib/http/route";
import { sseResponse } from "@/lib/http/sse";
import { eventsSubscribe } from "@/lib/fleet/events";
import { VISIBILITY_NONE, visibility, visibilityHas, visibilityHosts, type Principal, type Visibility } from "@/lib/authz";
import { sessionActive } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

/** How often a subscriber's visibility is re-read, so that granted and revoked access apply to an open stream. */
const VISIBILITY_REFRESH_MS = 2_000;

/** What the subscriber may see now: nothing once their session ended (sign-out, disabled account). */
async function visibleNow(principal: Principal): Promise<Visibility> {
  if (principal.sessionId && !(await sessionActive(principal.sessionId))) return VISIBILITY_NONE;
  return visibility(principal, "vm.view");
}

/**
 * Server-Sent Events: VM and host changes as libvirt reports them, only for
 * the VMs the subscriber may view (and the hosts they see something on).
 */
export const GET = userRoute({}, async ({ req, principal }) => {
  let visible: Visibility = await visibility(principal, "vm.view");
  const hostVisible = (hostId: string) => {
    const hosts = visibilityHosts(visible);
    return hosts === "all" || hosts.has(hostId.toLowerCase());
  };
  return sseResponse(req.signal, (send) => {
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
      visibleNow(principal)
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
