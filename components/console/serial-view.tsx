"use client";
import "@xterm/xterm/css/xterm.css";
import type { Terminal } from "@xterm/xterm";
import { useEffect, useImperativeHandle, useRef, type Ref } from "react";
import { consoleSocketOpen } from "@/components/console/ticket";
import type { ConsoleHandle, ViewEvents } from "@/components/console/types";

/**
 * A serial console in xterm.js. Terminal bytes travel as binary frames both
 * ways; the terminal's size goes to the server's pty as a text frame
 * `{"type":"resize","cols","rows"}` (docs/api-console.md) whenever it changes.
 * Copy and paste are xterm's own (select to copy, the browser's paste).
 */
export function SerialView({
  url,
  viewOnly,
  events,
  ref,
}: {
  url: string;
  viewOnly: boolean;
  events: ViewEvents;
  ref?: Ref<ConsoleHandle>;
}) {
  const container = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const latest = useRef({ viewOnly, events });
  latest.current = { viewOnly, events };

  useEffect(() => {
    let cancelled = false;
    let term: Terminal | null = null;
    let ws: WebSocket | null = null;
    let observer: ResizeObserver | null = null;

    Promise.all([import("@xterm/xterm"), import("@xterm/addon-fit")])
      .then(([{ Terminal }, { FitAddon }]) => {
        // Cancelled before the modules came: the socket (a one-use ticket) is opened only by the run that stays.
        if (cancelled || !container.current) return;
        const t = new Terminal({
          cursorBlink: true,
          disableStdin: latest.current.viewOnly,
          fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace',
          fontSize: 14,
          scrollback: 5000,
          theme: { background: "#000000" },
        });
        term = t;
        termRef.current = t;
        const fit = new FitAddon();
        t.loadAddon(fit);
        t.open(container.current);
        fit.fit();

        const socket = consoleSocketOpen(url);
        ws = socket;
        const encoder = new TextEncoder();
        const sendResize = () => {
          if (socket.readyState === WebSocket.OPEN)
            socket.send(JSON.stringify({ type: "resize", cols: t.cols, rows: t.rows }));
        };
        const send = (bytes: Uint8Array) => {
          if (!latest.current.viewOnly && socket.readyState === WebSocket.OPEN) socket.send(bytes);
        };
        socket.addEventListener("open", () => {
          if (cancelled) return;
          sendResize();
          latest.current.events.onConnected();
          t.focus();
        });
        socket.addEventListener("message", (e) => {
          t.write(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
        });
        socket.addEventListener("close", (e) => {
          if (cancelled) return;
          latest.current.events.onDisconnected({ code: e.code, reason: e.reason });
        });
        t.onData((data) => send(encoder.encode(data)));
        // Raw bytes xterm produces for some mouse reports: one char per byte.
        t.onBinary((data) => send(Uint8Array.from(data, (c) => c.charCodeAt(0) & 0xff)));
        t.onResize(sendResize);
        observer = new ResizeObserver(() => {
          try {
            fit.fit();
          } catch {
            // the terminal was disposed meanwhile
          }
        });
        observer.observe(container.current);
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
      observer?.disconnect();
      ws?.close(1000);
      term?.dispose();
      termRef.current = null;
    };
  }, [url]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.disableStdin = viewOnly;
  }, [viewOnly]);

  useImperativeHandle(ref, (): ConsoleHandle => ({ focus: () => termRef.current?.focus() }), []);

  return (
    <div className="h-full w-full bg-black p-1">
      <div ref={container} data-testid="console-terminal" className="h-full w-full" />
    </div>
  );
}
