"use client";
import type { SpiceMainConn } from "@spice-project/spice-html5";
import { useEffect, useId, useImperativeHandle, useRef, type Ref } from "react";
import type { CloseInfo } from "@/components/console/close-reason";
import { SPICE_SCHEME, installSpiceSockets } from "@/components/console/spice-socket";
import type { ConsoleHandle, ViewEvents } from "@/components/console/types";

/**
 * A SPICE console drawn by spice-html5. Every SPICE channel is a websocket of
 * its own with a ticket of its own (see spice-socket.ts): `url` is the first
 * ticket's path, `mint` gets the next ones. spice-html5 finds its screen by
 * element id and draws one canvas per surface, at the guest's resolution.
 */
export function SpiceView({
  url,
  password,
  events,
  mint,
  ref,
}: {
  url: string;
  password?: string;
  events: ViewEvents;
  mint: (mainUrl: string) => Promise<string>;
  ref?: Ref<ConsoleHandle>;
}) {
  const screenId = `spice-screen-${useId().replace(/[^\w-]/g, "")}`;
  const container = useRef<HTMLDivElement>(null);
  const connRef = useRef<SpiceMainConn | null>(null);
  const latest = useRef({ events, mint });
  latest.current = { events, mint };

  useEffect(() => {
    let cancelled = false;
    let ended = false;
    let conn: SpiceMainConn | null = null;
    let restore: (() => void) | null = null;
    const end = (info: CloseInfo) => {
      if (cancelled || ended) return;
      ended = true;
      latest.current.events.onDisconnected(info);
      // One channel down ends the session: close the others too.
      setTimeout(() => {
        try {
          conn?.stop();
        } catch {
          // already stopped
        }
      });
    };

    import("@spice-project/spice-html5")
      .then((spice) => {
        // Cancelled before the module came (unmount, React's development double run): the ticket stays unused.
        if (cancelled) return;
        // Every further channel names this console's main channel (the first ticket) when asking for its own.
        restore = installSpiceSockets({
          firstPath: url,
          mint: () => latest.current.mint(url),
          onClose: (_channel, info) => end(info),
        });
        conn = new spice.SpiceMainConn({
          uri: `${SPICE_SCHEME}//main`,
          // The display password the server set for this console; every channel links with it.
          password: password ?? "",
          screen_id: screenId,
          onsuccess: () => {
            if (!cancelled && !ended) latest.current.events.onConnected();
          },
          onerror: (e) => end({ code: null, reason: e.message }),
        });
        connRef.current = conn;
        (window as unknown as { sc?: SpiceMainConn }).sc = conn;
      })
      .catch((err: unknown) => end({ code: null, reason: err instanceof Error ? err.message : String(err) }));

    return () => {
      cancelled = true;
      connRef.current = null;
      try {
        conn?.stop();
      } catch {
        // already stopped
      }
      const w = window as unknown as { sc?: SpiceMainConn };
      if (w.sc === conn) delete w.sc;
      restore?.();
    };
  }, [url, password, screenId]);

  useImperativeHandle(
    ref,
    (): ConsoleHandle => ({
      focus: () => container.current?.querySelector("canvas")?.focus({ preventScroll: true }),
      sendCtrlAltDel: () => {
        // spice-html5's helper reads the global `sc`, set when the connection was made.
        if (connRef.current) void import("@spice-project/spice-html5").then((s) => s.sendCtrlAltDel());
      },
      screenshot: () => {
        const canvas = container.current?.querySelector("canvas");
        return canvas && canvas.width > 0 ? canvas.toDataURL("image/png") : null;
      },
    }),
    [],
  );

  return (
    <div ref={container} className="h-full w-full overflow-auto bg-black">
      <div id={screenId} data-testid="console-canvas" className="mx-auto w-max outline-none [&_canvas]:outline-none" />
    </div>
  );
}
