"use client";
import { useCallback, useEffect, useRef, useState, type ReactNode, type RefObject } from "react";
import { useFormatter, useNow, useTranslations } from "use-intl";
import type { ApiError } from "@/components/api/fetch-json";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { closeReasonMessage, type CloseInfo } from "@/components/console/close-reason";
import { HeldPanel } from "@/components/console/held-panel";
import { SerialView } from "@/components/console/serial-view";
import { SpiceView } from "@/components/console/spice-view";
import { VncView } from "@/components/console/vnc-view";
import type { ConsoleKind } from "@/components/console/kinds";
import type { ConsoleHolder, ConsoleTicket } from "@/components/console/ticket";
import type { ConsoleHandle, ConsoleStatus, ViewEvents } from "@/components/console/types";
import { shareCloseKey, shareTicketMint } from "@/components/share/share-ticket";

export interface ShareConsoleProps {
  token: string;
  vmName: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  expiresAt: string;
}

type Phase =
  | { kind: "minting" }
  | { kind: "held"; holders: ConsoleHolder[] }
  | { kind: "failed"; error: ApiError }
  | { kind: "session"; ticket: ConsoleTicket; n: number };
type Ended = CloseInfo & { securityFailure?: string };

/**
 * The console behind a share link, for someone without an account: the same views as the
 * console page (noVNC, xterm.js, spice-html5), with tickets minted through the link and a
 * smaller toolbar (no take-over, no switching to other consoles or to the app).
 */
export default function ShareConsoleClient({
  token,
  vmName,
  kind,
  viewOnly: linkViewOnly,
  expiresAt,
}: ShareConsoleProps) {
  const t = useTranslations("share");
  const tc = useTranslations("console");
  const format = useFormatter();
  const now = useNow({ updateInterval: 15_000 });
  const [attempt, setAttempt] = useState<{ n: number; mode: "interactive" | "view" }>({
    n: 0,
    mode: linkViewOnly ? "view" : "interactive",
  });
  const [phase, setPhase] = useState<Phase>({ kind: "minting" });
  const [status, setStatus] = useState<ConsoleStatus>("connecting");
  const [ended, setEnded] = useState<Ended | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const handle = useRef<ConsoleHandle>(null);

  useEffect(() => {
    document.title = t("documentTitle", { name: vmName });
  }, [t, vmName]);

  useEffect(() => {
    const ac = new AbortController();
    setPhase({ kind: "minting" });
    setStatus("connecting");
    setEnded(null);
    shareTicketMint({ token, kind, mode: attempt.mode, signal: ac.signal })
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
  }, [attempt, token, kind]);

  const connect = useCallback(
    (mode: "interactive" | "view") => setAttempt((a) => ({ n: a.n + 1, mode: linkViewOnly ? "view" : mode })),
    [linkViewOnly],
  );

  // SPICE: one websocket per channel, each with a ticket minted through the link.
  const mintChannel = useCallback(
    async (mainUrl: string): Promise<string> => {
      const r = await shareTicketMint({ token, kind, mode: "interactive", channel: "extra", mainUrl });
      if (r.ok) return r.ticket.url;
      throw new Error("held" in r ? tc("status.held") : r.error.message);
    },
    [token, kind, tc],
  );

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

  const session = phase.kind === "session" ? phase : null;
  const viewOnly = linkViewOnly || (session?.ticket.viewOnly ?? false);
  const live = status === "connected";
  const expires = new Date(expiresAt);

  function statusText(): string {
    if (phase.kind === "held") return tc("status.held");
    if (phase.kind === "failed")
      return phase.error.status === 0 ? t("failed.network") : t("failed.refused", { message: phase.error.message });
    if (status === "connecting") return tc("status.connecting");
    if (status === "connected") return viewOnly ? tc("status.connectedViewOnly") : tc("status.connected");
    if (!ended) return tc("status.disconnected");
    const shareKey = ended.code === 4003 ? shareCloseKey(ended.reason) : null;
    if (shareKey) return t(shareKey);
    if (ended.securityFailure) return tc("closed.securityFailure", { reason: ended.securityFailure });
    const m = closeReasonMessage(ended);
    return tc(m.key, m.values);
  }

  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await rootRef.current?.requestFullscreen();
    } catch {
      // refused by the browser
    }
    handle.current?.focus();
  }

  const dot =
    status === "connected" ? "bg-emerald-500" : status === "connecting" ? "bg-amber-400 animate-pulse" : "bg-red-500";
  const linkDead = ended?.code === 4003 && shareCloseKey(ended.reason) !== null;

  return (
    <div
      ref={rootRef}
      data-testid="console-root"
      data-share="true"
      data-kind={kind}
      data-status={status}
      data-close-code={ended?.code ?? undefined}
      data-view-only={session ? String(viewOnly) : undefined}
      className="fixed inset-0 z-40 flex flex-col bg-slate-950 text-slate-100"
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-800 bg-slate-900 px-3 py-1.5 text-sm">
        <div className="flex min-w-0 items-center gap-2">
          <span className="truncate font-semibold text-slate-50" data-testid="share-vm-name">
            {vmName}
          </span>
          <Badge tone="neutral">{tc(`kinds.${kind}`)}</Badge>
          <Badge tone="info" testId="share-badge">
            {t("badge")}
          </Badge>
          {linkViewOnly ? (
            <Badge tone="warning" testId="share-view-only">
              {t("viewOnlyBadge")}
            </Badge>
          ) : null}
        </div>
        <p className="flex min-w-0 items-center gap-2 text-slate-300" role="status" aria-live="polite">
          <span aria-hidden="true" className={cn("size-2 shrink-0 rounded-full", dot)} />
          <span data-testid="console-status" className="truncate">
            {statusText()}
          </span>
        </p>
        <div role="toolbar" aria-label={tc("toolbar.label")} className="ml-auto flex flex-wrap items-center gap-2">
          <span className="text-xs text-slate-400" data-testid="share-expires">
            {t("expires", { when: format.relativeTime(expires, now) })}
          </span>
          {kind !== "serial" ? (
            <Button
              size="sm"
              variant="ghost"
              testId="console-ctrl-alt-del"
              className="h-8 px-2.5 text-xs text-slate-200! hover:bg-slate-800!"
              disabled={!live || viewOnly}
              onClick={() => handle.current?.sendCtrlAltDel?.()}
            >
              {tc("toolbar.ctrlAltDel")}
            </Button>
          ) : null}
          <Button
            size="sm"
            variant="ghost"
            testId="console-fullscreen"
            className="h-8 px-2.5 text-xs text-slate-200! hover:bg-slate-800!"
            onClick={toggleFullscreen}
          >
            {tc("toolbar.fullscreen")}
          </Button>
        </div>
      </header>

      <div className="relative min-h-0 flex-1">
        {session ? (
          <ShareView
            key={session.n}
            kind={kind}
            ticket={session.ticket}
            viewOnly={viewOnly}
            events={events}
            handle={handle}
            mintChannel={mintChannel}
          />
        ) : null}
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
              canTakeover={false}
              onView={() => connect("view")}
              onTakeover={() => {}}
              onRetry={() => connect("interactive")}
            />
          </Overlay>
        ) : null}
        {phase.kind === "failed" || (session && status === "disconnected") ? (
          <Overlay seeThrough={phase.kind === "session"}>
            <section
              data-testid="console-ended"
              className="max-w-md rounded-xl bg-slate-900 p-5 text-center shadow-xl ring-1 ring-slate-700"
            >
              <p className="text-sm font-medium text-slate-100">{statusText()}</p>
              {phase.kind === "failed" || linkDead ? null : (
                <Button
                  size="sm"
                  className="mt-4"
                  testId="console-ended-reconnect"
                  onClick={() => connect("interactive")}
                >
                  {tc("toolbar.reconnect")}
                </Button>
              )}
            </section>
          </Overlay>
        ) : null}
      </div>
    </div>
  );
}

function ShareView(p: {
  kind: ConsoleKind;
  ticket: ConsoleTicket;
  viewOnly: boolean;
  events: ViewEvents;
  handle: RefObject<ConsoleHandle | null>;
  mintChannel: (mainUrl: string) => Promise<string>;
}) {
  if (p.kind === "serial")
    return <SerialView ref={p.handle} url={p.ticket.url} viewOnly={p.viewOnly} events={p.events} />;
  if (p.kind === "spice")
    return (
      <SpiceView
        ref={p.handle}
        url={p.ticket.url}
        password={p.ticket.password}
        events={p.events}
        mint={p.mintChannel}
      />
    );
  return (
    <VncView
      ref={p.handle}
      url={p.ticket.url}
      password={p.ticket.password}
      viewOnly={p.viewOnly}
      scale="scale"
      events={p.events}
    />
  );
}

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
