"use client";
import Link from "next/link";
import { useCallback, useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { useVmRecord } from "@/components/data/use-vms";
import { Badge } from "@/components/ui/badge";
import { cn, focusRing } from "@/components/ui/cn";
import { Select } from "@/components/ui/input";
import { Menu, MenuItem } from "@/components/ui/menu";
import { closeReasonMessage } from "@/components/console/close-reason";
import { ConsoleFrame, ConsoleStage, ToolButton, useConsoleSession } from "@/components/console/console-stage";
import { KEY_COMBOS, comboEvents, textEvents } from "@/components/console/keysyms";
import { PasteDialog } from "@/components/console/paste-dialog";
import { CONSOLE_KINDS, type ConsoleKind, type ConsoleMode } from "@/components/console/kinds";
import { ticketMint, vvDownload } from "@/components/console/ticket";
import type { ScaleMode, ViewEvents } from "@/components/console/types";

export interface ConsoleClientProps {
  hostId: string;
  uuid: string;
  kind: ConsoleKind;
  /** vm.console.takeover on this VM (lib/authz, decided by the page on the server). */
  canTakeover: boolean;
}

/** The bits of GET /api/vms/:hostId/:uuid the console shows. */
interface VmInfo {
  name: string;
  state: string;
  graphicsDevices: { type: string }[];
  serials: number;
}

function hasKind(vm: VmInfo, k: ConsoleKind): boolean {
  return k === "serial" ? vm.serials > 0 : vm.graphicsDevices.some((g) => g.type === k);
}

function vmPath(hostId: string, uuid: string) {
  return `/vms/${encodeURIComponent(hostId)}/${encodeURIComponent(uuid)}`;
}

/**
 * A VM's console in a window of its own: mints a one-use ticket, then hands its
 * websocket path to the view of the console's kind (noVNC, xterm.js,
 * spice-html5). Loaded without server rendering (see console-loader.tsx).
 */
export default function ConsoleClient({ hostId, uuid, kind, canTakeover }: ConsoleClientProps) {
  const t = useTranslations("console");
  const tc = useTranslations("common");

  const [attempt, setAttempt] = useState<{ n: number; mode: ConsoleMode }>({ n: 0, mode: "interactive" });
  const [viewOnly, setViewOnly] = useState(false);
  const [scale, setScale] = useState<ScaleMode>("scale");
  const [fullscreen, setFullscreen] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [vvState, setVvState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const vmRecord = useVmRecord(hostId, uuid);
  const vm: VmInfo | null = vmRecord.data?.vm ?? null;
  const [desktopName, setDesktopName] = useState<string | null>(null);
  const mint = useCallback(
    async (mode: ConsoleMode, signal: AbortSignal) => {
      const r = await ticketMint({ hostId, uuid, kind, mode, signal });
      if (r.ok && !signal.aborted) setViewOnly(r.ticket.viewOnly);
      return r;
    },
    [hostId, uuid, kind],
  );
  const stage = useConsoleSession(attempt, mint);
  const { phase, status, ended, session, rootRef, handle, toggleFullscreen } = stage;

  // The VM's name, state and consoles: for the title, the kind switch and why a
  // ticket was refused. Optional: the console works without it.
  const failed = phase.kind === "failed";
  // A refused ticket may come from a changed VM (stopped, its display removed): read it again then.
  const { mutate: vmReread } = vmRecord;
  useEffect(() => {
    if (failed) void vmReread();
  }, [failed, vmReread]);

  const title = vm?.name ?? desktopName ?? uuid;
  useEffect(() => {
    document.title = `${t("documentTitle", { name: title })} · ${tc("productName")}`;
  }, [t, tc, title]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === rootRef.current && rootRef.current !== null);
    document.addEventListener("fullscreenchange", onChange);
    return () => document.removeEventListener("fullscreenchange", onChange);
  }, [rootRef]);

  const connect = useCallback((mode: ConsoleMode) => setAttempt((a) => ({ n: a.n + 1, mode })), []);

  // SPICE opens a websocket per channel, each with a ticket of its own.
  const mintChannel = useCallback(
    async (mainUrl: string): Promise<string> => {
      for (let i = 0; ; i++) {
        const r = await ticketMint({ hostId, uuid, kind, mode: "interactive", channel: "extra", mainUrl });
        if (r.ok) return r.ticket.url;
        // Right after a take-over, the previous holder's sessions take about a second to close.
        if ("held" in r && i < 6) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        throw new Error("held" in r ? t("status.held") : r.error.message);
      }
    },
    [hostId, uuid, kind, t],
  );

  const events: ViewEvents = { ...stage.events, onDesktopName: setDesktopName };
  const live = status === "connected";
  // SPICE has no view-only mode (the server refuses it), so no toggle either.
  const canToggleViewOnly = session !== null && !session.ticket.viewOnly && kind !== "spice";

  function statusText(): string {
    if (phase.kind === "held") return t("status.held");
    if (phase.kind === "failed") {
      const e = phase.error;
      if (e.status === 0) return tc("errors.network");
      if (e.status === 403) return t("mintFailed.forbidden");
      if (e.status === 404) return t("mintFailed.notFound");
      // invalid_state: not running, or no such console; the server's message is English only.
      if (e.code === "invalid_state" && vm) {
        if (vm.state === "shutoff" || vm.state === "nostate") return t("mintFailed.notRunning");
        if (!hasKind(vm, kind)) return t("mintFailed.noConsole", { kind: t(`kinds.${kind}`) });
      }
      return t("mintFailed.generic", { message: e.message });
    }
    if (status === "connecting") return t("status.connecting");
    if (status === "connected") return viewOnly ? t("status.connectedViewOnly") : t("status.connected");
    if (!ended) return t("status.disconnected");
    if (ended.securityFailure) return t("closed.securityFailure", { reason: ended.securityFailure });
    const m = closeReasonMessage(ended);
    return t(m.key, m.values);
  }

  function afterToolbar() {
    handle.current?.focus();
  }

  function screenshot() {
    const url = handle.current?.screenshot?.();
    if (!url) return;
    const a = document.createElement("a");
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    a.href = url;
    a.download = `${(vm?.name ?? uuid).replace(/[^\w.-]+/g, "_")}-${stamp}.png`;
    a.click();
    afterToolbar();
  }

  async function downloadVv() {
    setVvState({ busy: true, error: null });
    const error = await vvDownload({ hostId, uuid });
    setVvState({ busy: false, error });
    afterToolbar();
  }

  const kinds = vm ? CONSOLE_KINDS.filter((k) => k === kind || hasKind(vm, k)) : [kind];

  return (
    <ConsoleFrame
      stage={stage}
      kind={kind}
      viewOnly={viewOnly}
      statusText={statusText()}
      toolbarLabel={t("toolbar.label")}
      toolbarClassName="gap-1"
      identity={
        <>
          <Link
            href={vmPath(hostId, uuid)}
            className={cn("truncate font-semibold text-slate-50 hover:underline", focusRing)}
            title={t("backToVm")}
            data-testid="console-vm-link"
          >
            {title}
          </Link>
          {kinds.length > 1 ? (
            <nav aria-label={t("kindSwitch")} className="flex rounded-md bg-slate-800 p-0.5">
              {kinds.map((k) => (
                <Link
                  key={k}
                  href={`${vmPath(hostId, uuid)}/console?kind=${k}`}
                  aria-current={k === kind ? "page" : undefined}
                  data-testid={`console-kind-${k}`}
                  className={cn(
                    "rounded px-2 py-0.5 text-xs",
                    k === kind ? "bg-slate-600 text-white" : "text-slate-300 hover:text-white",
                    focusRing,
                  )}
                >
                  {t(`kinds.${k}`)}
                </Link>
              ))}
            </nav>
          ) : (
            <Badge tone="neutral">{t(`kinds.${kind}`)}</Badge>
          )}
        </>
      }
      toolbar={
        <>
          {kind !== "serial" ? (
            <ToolButton
              testId="console-ctrl-alt-del"
              title={t("toolbar.ctrlAltDelHint")}
              disabled={!live || viewOnly}
              onClick={() => (handle.current?.sendCtrlAltDel?.(), afterToolbar())}
            >
              {t("toolbar.ctrlAltDel")}
            </ToolButton>
          ) : null}
          {kind === "vnc" ? (
            <>
              {live && !viewOnly ? (
                <Menu
                  label={t("toolbar.keys")}
                  testId="console-keys"
                  align="end"
                  triggerClassName="h-8 px-2.5 text-xs font-medium text-slate-200! hover:bg-slate-800! aria-expanded:bg-slate-800!"
                  trigger={<span>{t("toolbar.keys")} ▾</span>}
                >
                  {KEY_COMBOS.map((c) => (
                    <MenuItem
                      key={c.id}
                      testId={`console-key-${c.id}`}
                      onSelect={() => (handle.current?.sendKeys?.(comboEvents(c.keys)), afterToolbar())}
                    >
                      {c.label}
                    </MenuItem>
                  ))}
                </Menu>
              ) : (
                <ToolButton testId="console-keys" disabled>
                  {t("toolbar.keys")} ▾
                </ToolButton>
              )}
              <ToolButton
                testId="console-paste"
                title={t("toolbar.pasteHint")}
                disabled={!live || viewOnly}
                onClick={() => setPasteOpen(true)}
              >
                {t("toolbar.paste")}
              </ToolButton>
              <label className="sr-only" htmlFor="console-scale">
                {t("toolbar.scale")}
              </label>
              <Select
                id="console-scale"
                testId="console-scale"
                title={t("toolbar.scale")}
                value={scale}
                onChange={(e) => {
                  setScale(e.target.value as ScaleMode);
                  afterToolbar();
                }}
                disabled={!session}
                className="h-8! w-auto! bg-slate-800! py-0! pl-2! text-xs! text-slate-100! ring-slate-700!"
              >
                <option value="scale">{t("toolbar.scaleFit")}</option>
                <option value="native">{t("toolbar.scaleNative")}</option>
                <option value="remote">{t("toolbar.scaleRemote")}</option>
              </Select>
            </>
          ) : null}
          {canToggleViewOnly ? (
            <ToolButton
              testId="console-viewonly"
              title={t("toolbar.viewOnlyHint")}
              aria-pressed={viewOnly}
              disabled={!live}
              onClick={() => {
                setViewOnly((v) => !v);
                afterToolbar();
              }}
            >
              {t("toolbar.viewOnly")}
            </ToolButton>
          ) : null}
          {kind !== "serial" ? (
            <ToolButton
              testId="console-screenshot"
              title={t("toolbar.screenshotHint")}
              disabled={!live}
              onClick={screenshot}
            >
              {t("toolbar.screenshot")}
            </ToolButton>
          ) : null}
          {kind === "spice" ? (
            <ToolButton
              testId="console-download-vv"
              title={
                vvState.error ? t("toolbar.downloadVvFailed", { message: vvState.error }) : t("toolbar.downloadVvHint")
              }
              disabled={vvState.busy}
              onClick={() => void downloadVv()}
            >
              {vvState.error ? (
                <span className="text-red-400">{t("toolbar.downloadVv")} ⚠</span>
              ) : (
                t("toolbar.downloadVv")
              )}
            </ToolButton>
          ) : null}
          <ToolButton testId="console-fullscreen" aria-pressed={fullscreen} onClick={toggleFullscreen}>
            {fullscreen ? t("toolbar.exitFullscreen") : t("toolbar.fullscreen")}
          </ToolButton>
          <ToolButton
            testId="console-reconnect"
            disabled={phase.kind === "minting"}
            onClick={() => connect("interactive")}
          >
            {t("toolbar.reconnect")}
          </ToolButton>
        </>
      }
    >
      <ConsoleStage
        phase={phase}
        status={status}
        kind={kind}
        viewOnly={viewOnly}
        scale={scale}
        events={events}
        handle={handle}
        mintChannel={mintChannel}
        onConnect={connect}
        onTakeover={canTakeover ? () => connect("takeover") : undefined}
        endedMessage={statusText()}
        reconnectLabel={phase.kind === "failed" ? t("held.retry") : t("toolbar.reconnect")}
      />

      <PasteDialog
        open={pasteOpen}
        onClose={() => {
          setPasteOpen(false);
          afterToolbar();
        }}
        onSend={(text) => {
          handle.current?.sendKeys?.(textEvents(text));
          setPasteOpen(false);
          afterToolbar();
        }}
      />
    </ConsoleFrame>
  );
}
