"use client";
import { useEffect, useRef, useState, type ComponentProps, type ReactNode, type RefObject } from "react";
import type { ApiError } from "@/components/api/fetch-json";
import { Button, Spinner } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import type { CloseInfo } from "@/components/console/close-reason";
import { HeldPanel } from "@/components/console/held-panel";
import type { ConsoleKind, ConsoleMode } from "@/components/console/kinds";
import { SerialView } from "@/components/console/serial-view";
import { SpiceView } from "@/components/console/spice-view";
import type { ConsoleHolder, ConsoleTicket, TicketResult } from "@/components/console/ticket";
import type { ConsoleHandle, ConsoleStatus, ScaleMode, ViewEvents } from "@/components/console/types";
import { VncView } from "@/components/console/vnc-view";

/** Where a console stands: asking for a ticket, refused, or a session (live or ended). */
export type ConsolePhase =
  | { kind: "minting" }
  | { kind: "held"; holders: ConsoleHolder[] }
  | { kind: "failed"; error: ApiError }
  | { kind: "session"; ticket: ConsoleTicket; n: number };

export type ConsoleEnded = CloseInfo & { securityFailure?: string };

/**
 * One console session after another: each new `attempt` mints a ticket with `mint` (keep it stable with
 * useCallback) and becomes the phase; `events` for the view record whether it is live and why it ended.
 * Aborting on cleanup also keeps React's development double run from opening two sessions.
 */
export function useConsoleSession(
  attempt: { n: number; mode: ConsoleMode },
  mint: (mode: ConsoleMode, signal: AbortSignal) => Promise<TicketResult>,
) {
  const [phase, setPhase] = useState<ConsolePhase>({ kind: "minting" });
  const [status, setStatus] = useState<ConsoleStatus>("connecting");
  const [ended, setEnded] = useState<ConsoleEnded | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const handle = useRef<ConsoleHandle>(null);

  useEffect(() => {
    const ac = new AbortController();
    setPhase({ kind: "minting" });
    setStatus("connecting");
    setEnded(null);
    mint(attempt.mode, ac.signal)
      .then((r) => {
        if (ac.signal.aborted) return;
        if (r.ok) setPhase({ kind: "session", ticket: r.ticket, n: attempt.n });
        else {
          setStatus("disconnected");
          setPhase("held" in r ? { kind: "held", holders: r.held } : { kind: "failed", error: r.error });
        }
      })
      .catch(() => {
        // aborted
      });
    return () => ac.abort();
  }, [attempt, mint]);

  const events: ViewEvents = {
    onConnected: () => {
      setStatus("connected");
      setEnded(null);
    },
    onDisconnected: (info) => {
      setStatus("disconnected");
      setEnded(info);
    },
  };

  /** Fullscreen for the console's root, then the keyboard back to the console. */
  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await rootRef.current?.requestFullscreen();
    } catch {
      // refused by the browser (no user gesture, iframe policy)
    }
    handle.current?.focus();
  }

  const dot =
    status === "connected" ? "bg-emerald-500" : status === "connecting" ? "bg-amber-400 animate-pulse" : "bg-red-500";
  const session = phase.kind === "session" ? phase : null;
  return { phase, status, ended, session, rootRef, handle, events, toggleFullscreen, dot };
}

export interface ConsoleStageProps {
  phase: ConsolePhase;
  status: ConsoleStatus;
  kind: ConsoleKind;
  viewOnly: boolean;
  scale: ScaleMode;
  events: ViewEvents;
  handle: RefObject<ConsoleHandle | null>;
  mintChannel: (mainUrl: string) => Promise<string>;
  /** A new attempt, read-write or watching. */
  onConnect: (mode: "interactive" | "view") => void;
  /** Take the console over from its holder; absent where that is not allowed. */
  onTakeover?: () => void;
  /** What the overlay says when the session failed or ended. */
  endedMessage: ReactNode;
  /** Label of that overlay's reconnect button; null: no button. */
  reconnectLabel: ReactNode | null;
}

/**
 * The area under a console's toolbar: the view of the session's kind (noVNC, xterm.js, spice-html5) and, over
 * it, the spinner while a ticket is minted, who holds the console, or why the session ended.
 */
export function ConsoleStage(p: ConsoleStageProps) {
  const { phase, status, kind } = p;
  const session = phase.kind === "session" ? phase : null;
  return (
    <div className="relative min-h-0 flex-1">
      {session ? <ConsoleView key={session.n} {...p} ticket={session.ticket} /> : null}
      {phase.kind === "minting" ? (
        <Overlay>
          <Spinner className="size-6 text-slate-400" />
        </Overlay>
      ) : null}
      {phase.kind === "held" ? (
        <Overlay>
          <HeldPanel
            holders={phase.holders}
            canView={kind !== "spice"}
            canTakeover={p.onTakeover !== undefined}
            onView={() => p.onConnect("view")}
            onTakeover={() => p.onTakeover?.()}
            onRetry={() => p.onConnect("interactive")}
          />
        </Overlay>
      ) : null}
      {phase.kind === "failed" || (session && status === "disconnected") ? (
        <Overlay seeThrough={phase.kind === "session"}>
          <section
            data-testid="console-ended"
            className="max-w-md rounded-xl bg-slate-900 p-5 text-center shadow-xl ring-1 ring-slate-700"
          >
            <p className="text-sm font-medium text-slate-100">{p.endedMessage}</p>
            {p.reconnectLabel === null ? null : (
              <Button
                size="sm"
                className="mt-4"
                testId="console-ended-reconnect"
                onClick={() => p.onConnect("interactive")}
              >
                {p.reconnectLabel}
              </Button>
            )}
          </section>
        </Overlay>
      ) : null}
    </div>
  );
}

function ConsoleView(p: ConsoleStageProps & { ticket: ConsoleTicket }) {
  const { kind, ticket, viewOnly, scale, events, handle } = p;
  if (kind === "serial") return <SerialView ref={handle} url={ticket.url} viewOnly={viewOnly} events={events} />;
  if (kind === "spice")
    return <SpiceView ref={handle} url={ticket.url} password={ticket.password} events={events} mint={p.mintChannel} />;
  return (
    <VncView
      ref={handle}
      url={ticket.url}
      password={ticket.password}
      viewOnly={viewOnly}
      scale={scale}
      events={events}
    />
  );
}

/** Centered over the console; `see-through` leaves what is behind readable and selectable (a serial log). */
function Overlay({ children, seeThrough = false }: { children: ReactNode; seeThrough?: boolean }) {
  return (
    <div
      className={cn(
        "absolute inset-0 flex items-center justify-center overflow-auto p-4",
        seeThrough ? "pointer-events-none" : "bg-slate-950/80",
      )}
    >
      <div className="pointer-events-auto">{children}</div>
    </div>
  );
}

/** A button of a console's dark toolbar; `aria-pressed` marks a toggle that is on. */
export function ToolButton({ testId, className, ...rest }: ComponentProps<typeof Button> & { testId: string }) {
  return (
    <Button
      size="sm"
      variant="ghost"
      testId={testId}
      className={cn(
        "h-8 px-2.5 text-xs text-slate-200! hover:bg-slate-800! aria-pressed:bg-indigo-600! aria-pressed:text-white!",
        className,
      )}
      {...rest}
    />
  );
}

/**
 * A console in a window of its own: the root (fullscreen target, with the data-* attributes the specs read),
 * the dark header with what is shown (`identity`), the status line and the `toolbar`, then `children`.
 */
export function ConsoleFrame({
  stage,
  kind,
  viewOnly,
  share = false,
  identity,
  statusText,
  toolbarLabel,
  toolbarClassName,
  toolbar,
  children,
}: {
  stage: ReturnType<typeof useConsoleSession>;
  kind: ConsoleKind;
  viewOnly: boolean;
  /** Behind a share link (data-share). */
  share?: boolean;
  identity: ReactNode;
  statusText: string;
  toolbarLabel: string;
  toolbarClassName: string;
  toolbar: ReactNode;
  children: ReactNode;
}) {
  return (
    <div
      ref={stage.rootRef}
      data-testid="console-root"
      data-share={share ? "true" : undefined}
      data-kind={kind}
      data-status={stage.status}
      data-close-code={stage.ended?.code ?? undefined}
      data-view-only={stage.session ? String(viewOnly) : undefined}
      // Covers the app's frame (the console route lives inside it).
      className="fixed inset-0 z-40 flex flex-col bg-slate-950 text-slate-100"
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-800 bg-slate-900 px-3 py-1.5 text-sm">
        <div className="flex min-w-0 items-center gap-2">{identity}</div>
        <p className="flex min-w-0 items-center gap-2 text-slate-300" role="status" aria-live="polite">
          <span aria-hidden="true" className={cn("size-2 shrink-0 rounded-full", stage.dot)} />
          <span data-testid="console-status" className="truncate">
            {statusText}
          </span>
        </p>
        <div
          role="toolbar"
          aria-label={toolbarLabel}
          className={cn("ml-auto flex flex-wrap items-center", toolbarClassName)}
        >
          {toolbar}
        </div>
      </header>
      {children}
    </div>
  );
}
