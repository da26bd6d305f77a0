"use client";
import type RFB from "@novnc/novnc";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import type { CloseInfo } from "@/components/console/close-reason";
import { consoleSocketOpen } from "@/components/console/ticket";
import type { ConsoleHandle, ScaleMode, ViewEvents } from "@/components/console/types";

function applyScale(rfb: RFB, mode: ScaleMode) {
  rfb.clipViewport = false;
  rfb.scaleViewport = mode === "scale";
  rfb.resizeSession = mode === "remote";
}

/**
 * A VNC console drawn by noVNC. The websocket is opened here and handed to RFB
 * (noVNC accepts a WebSocket object in place of a URL) so its close code and
 * reason can be read: RFB's own "disconnect" event only says clean or not.
 * Our close listener is added before RFB attaches its handler, so it runs first.
 *
 * noVNC touches `window` when imported, so it is imported here, in an effect
 * of a component the page loads without server rendering.
 */
export function VncView({
  url,
  password,
  viewOnly,
  scale,
  events,
  ref,
}: {
  url: string;
  password?: string;
  viewOnly: boolean;
  scale: ScaleMode;
  events: ViewEvents;
  ref?: Ref<ConsoleHandle>;
}) {
  const target = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  // The latest props, for the long-lived handlers and for a connection that finishes importing later.
  const latest = useRef({ viewOnly, scale, events });
  latest.current = { viewOnly, scale, events };

  useEffect(() => {
    let cancelled = false;
    let rfb: RFB | null = null;
    let ws: WebSocket | null = null;
    const closed: CloseInfo = { code: null, reason: "" };
    let securityFailure: string | undefined;

    import("@novnc/novnc")
      .then(({ default: RFBClass }) => {
        // Cancelled: unmounted, or React's development double run of effects. A
        // ticket works once, so the socket is opened only by the run that stays.
        if (cancelled || !target.current) return;
        ws = consoleSocketOpen(url);
        ws.addEventListener("close", (e) => {
          closed.code = e.code;
          closed.reason = e.reason;
        });
        // A per-console VNC password, when the server set one (VNC authentication asks for it).
        rfb = new RFBClass(target.current, ws, {
          shared: true,
          wsProtocols: ["binary"],
          ...(password ? { credentials: { password } } : {}),
        });
        rfb.background = "#000";
        rfb.viewOnly = latest.current.viewOnly;
        applyScale(rfb, latest.current.scale);
        rfb.addEventListener("connect", () => {
          if (cancelled) return;
          latest.current.events.onConnected();
          rfb?.focus({ preventScroll: true });
        });
        rfb.addEventListener("disconnect", () => {
          if (cancelled) return;
          rfbRef.current = null;
          latest.current.events.onDisconnected({ ...closed, securityFailure });
        });
        rfb.addEventListener("securityfailure", (e) => {
          const d = (e as CustomEvent<{ status: number; reason?: string }>).detail;
          securityFailure = d.reason || String(d.status);
        });
        rfb.addEventListener("desktopname", (e) => {
          if (!cancelled) latest.current.events.onDesktopName?.((e as CustomEvent<{ name: string }>).detail.name);
        });
        rfbRef.current = rfb;
      })
      .catch((err: unknown) => {
        if (!cancelled)
          latest.current.events.onDisconnected({
            code: null,
            reason: err instanceof Error ? err.message : String(err),
          });
      });

    return () => {
      cancelled = true;
      rfbRef.current = null;
      if (rfb) {
        try {
          rfb.disconnect();
        } catch {
          // already disconnected
        }
      } else ws?.close(1000);
    };
  }, [url, password]);

  useEffect(() => {
    if (rfbRef.current) rfbRef.current.viewOnly = viewOnly;
  }, [viewOnly]);

  useEffect(() => {
    if (rfbRef.current) applyScale(rfbRef.current, scale);
  }, [scale]);

  useImperativeHandle(
    ref,
    (): ConsoleHandle => ({
      focus: () => rfbRef.current?.focus({ preventScroll: true }),
      sendCtrlAltDel: () => rfbRef.current?.sendCtrlAltDel(),
      sendKeys: (keys) => {
        const rfb = rfbRef.current;
        if (rfb) for (const k of keys) rfb.sendKey(k.keysym, k.code, k.down);
      },
      screenshot: () => {
        const canvas = target.current?.querySelector("canvas");
        return canvas && canvas.width > 0 ? canvas.toDataURL("image/png") : null;
      },
    }),
    [],
  );

  return <div ref={target} data-testid="console-canvas" className="h-full w-full overflow-hidden bg-black" />;
}
