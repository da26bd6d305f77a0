import { userRoute } from "@/lib/http/route";
import { eventsSubscribe } from "@/lib/fleet/events";
import { visibility, visibilityHas, visibilityHosts, type Visibility } from "@/lib/authz";

export const dynamic = "force-dynamic";

/** How often a subscriber's visibility is re-read, so that granted and revoked access apply to an open stream. */
const VISIBILITY_REFRESH_MS = 2_000;

/**
 * Server-Sent Events: VM and host changes as libvirt reports them, only for
 * the VMs the subscriber may view (and the hosts they see something on).
 */
export const GET = userRoute({}, async ({ req, principal }) => {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  let visible: Visibility = await visibility(principal, "vm.view");
  const hostVisible = (hostId: string) => {
    const hosts = visibilityHosts(visible);
    return hosts === "all" || hosts.has(hostId.toLowerCase());
  };
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
        (e) => {
          if (visibilityHas(visible, e.hostId, e.uuid)) send("vm", e);
        },
        (e) => {
          if (hostVisible(e.hostId)) send("host", e);
        },
      );
      const ping = setInterval(() => send("ping", {}), 15_000);
      let refreshing = false;
      const refresh = setInterval(() => {
        if (refreshing) return;
        refreshing = true;
        visibility(principal, "vm.view")
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
      controller.enqueue(encoder.encode(": connected\nretry: 2000\n\n"));
      cleanup = () => {
        clearInterval(ping);
        clearInterval(refresh);
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
