"use client";
import { useCallback, useEffect, useState } from "react";
import { useFormatter, useNow, useTranslations } from "use-intl";
import { Badge } from "@/components/ui/badge";
import { closeReasonMessage } from "@/components/console/close-reason";
import { ConsoleFrame, ConsoleStage, ToolButton, useConsoleSession } from "@/components/console/console-stage";
import type { ConsoleMode } from "@/components/console/kinds";
import type { ConsoleKind } from "@/components/console/kinds";

import { shareCloseKey, shareTicketMint } from "@/components/share/share-ticket";

export interface ShareConsoleProps {
  token: string;
  vmName: string;
  kind: ConsoleKind;
  viewOnly: boolean;
  expiresAt: string;
}

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
  const mint = useCallback(
    (mode: ConsoleMode, signal: AbortSignal) =>
      shareTicketMint({ token, kind, mode: mode === "view" ? "view" : "interactive", signal }),
    [token, kind],
  );
  const stage = useConsoleSession(attempt, mint);
  const { phase, status, ended, session, handle, events, toggleFullscreen } = stage;

  useEffect(() => {
    document.title = t("documentTitle", { name: vmName });
  }, [t, vmName]);

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

  const linkDead = ended?.code === 4003 && shareCloseKey(ended.reason) !== null;

  return (
    <ConsoleFrame
      stage={stage}
      kind={kind}
      viewOnly={viewOnly}
      share
      statusText={statusText()}
      toolbarLabel={tc("toolbar.label")}
      toolbarClassName="gap-2"
      identity={
        <>
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
        </>
      }
      toolbar={
        <>
          <span className="text-xs text-slate-400" data-testid="share-expires">
            {t("expires", { when: format.relativeTime(expires, now) })}
          </span>
          {kind !== "serial" ? (
            <ToolButton
              testId="console-ctrl-alt-del"
              disabled={!live || viewOnly}
              onClick={() => handle.current?.sendCtrlAltDel?.()}
            >
              {tc("toolbar.ctrlAltDel")}
            </ToolButton>
          ) : null}
          <ToolButton testId="console-fullscreen" onClick={toggleFullscreen}>
            {tc("toolbar.fullscreen")}
          </ToolButton>
        </>
      }
    >
      <ConsoleStage
        phase={phase}
        status={status}
        kind={kind}
        viewOnly={viewOnly}
        scale="scale"
        events={events}
        handle={handle}
        mintChannel={mintChannel}
        onConnect={connect}
        endedMessage={statusText()}
        reconnectLabel={phase.kind === "failed" || linkDead ? null : tc("toolbar.reconnect")}
      />
    </ConsoleFrame>
  );
}
