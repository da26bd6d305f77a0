"use client";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState, type ComponentProps, type ReactNode, type RefObject } from "react";
import { useTranslations } from "use-intl";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { Select } from "@/components/ui/input";
import { Menu, MenuItem } from "@/components/ui/menu";
import { closeReasonMessage, type CloseInfo } from "@/components/console/close-reason";
import { HeldPanel } from "@/components/console/held-panel";
import { KEY_COMBOS, comboEvents, textEvents } from "@/components/console/keysyms";
import { PasteDialog } from "@/components/console/paste-dialog";
import { SerialView } from "@/components/console/serial-view";
import { SpiceView } from "@/components/console/spice-view";
import { CONSOLE_KINDS, type ConsoleKind, type ConsoleMode } from "@/components/console/kinds";
import { ticketMint, vvDownload, type ConsoleHolder, type ConsoleTicket } from "@/components/console/ticket";
import type { ConsoleHandle, ConsoleStatus, ScaleMode, ViewEvents } from "@/components/console/types";
import { VncView } from "@/components/console/vnc-view";

export interface ConsoleClientProps {
  hostId: string;
  uuid: string;
  kind: ConsoleKind;
  csrfToken: string;
  /** vm.console.takeover on this VM (lib/authz, decided by the page on the server). */
  canTakeover: boolean;
}

/** Where the console stands: asking for a ticket, refused, or a session (live or ended). */
type Phase =
  | { kind: "minting" }
  | { kind: "held"; holders: ConsoleHolder[] }
  | { kind: "failed"; error: ApiError }
  | { kind: "session"; ticket: ConsoleTicket; n: number };

type Ended = CloseInfo & { securityFailure?: string };

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
export default function ConsoleClient({ hostId, uuid, kind, csrfToken, canTakeover }: ConsoleClientProps) {
  const t = useTranslations("console");
  const tc = useTranslations("common");

  const [attempt, setAttempt] = useState<{ n: number; mode: ConsoleMode }>({ n: 0, mode: "interactive" });
  const [phase, setPhase] = useState<Phase>({ kind: "minting" });
  const [status, setStatus] = useState<ConsoleStatus>("connecting");
  const [ended, setEnded] = useState<Ended | null>(null);
  const [viewOnly, setViewOnly] = useState(false);
  const [scale, setScale] = useState<ScaleMode>("scale");
  const [fullscreen, setFullscreen] = useState(false);
  const [pasteOpen, setPasteOpen] = useState(false);
  const [vvState, setVvState] = useState<{ busy: boolean; error: string | null }>({ busy: false, error: null });
  const [vm, setVm] = useState<VmInfo | null>(null);
  const [desktopName, setDesktopName] = useState<string | null>(null);
  const rootRef = useRef<HTMLDivElement>(null);
  const handle = useRef<ConsoleHandle>(null);

  // Mint a ticket for each attempt. Aborting on cleanup also keeps React's
  // development double run from opening two sessions.
  useEffect(() => {
    const ac = new AbortController();
    setPhase({ kind: "minting" });
    setStatus("connecting");
    setEnded(null);
    ticketMint({ hostId, uuid, kind, mode: attempt.mode, csrfToken, signal: ac.signal })
      .then((r) => {
        if (ac.signal.aborted) return;
        if (r.ok) {
          setViewOnly(r.ticket.viewOnly);
          setPhase({ kind: "session", ticket: r.ticket, n: attempt.n });
        } else {
          setStatus("disconnected");
          setPhase("held" in r ? { kind: "held", holders: r.held } : { kind: "failed", error: r.error });
        }
      })
      .catch(() => {
        // aborted
      });
    return () => ac.abort();
  }, [attempt, hostId, uuid, kind, csrfToken]);

  // The VM's name, state and consoles: for the title, the kind switch and why a
  // ticket was refused. Optional: the console works without it.
  const failed = phase.kind === "failed";
  useEffect(() => {
    const ac = new AbortController();
    fetchJson<{ vm: VmInfo }>(`/api${vmPath(hostId, uuid)}`, { signal: ac.signal })
      .then((r) => setVm(r.vm))
      .catch(() => {});
    return () => ac.abort();
  }, [hostId, uuid, failed]);

  const title = vm?.name ?? desktopName ?? uuid;
  useEffect(() => {
    document.title = `${t("documentTitle", { name: title })} · ${tc("productName")}`;
  }, [t, tc, title]);

  useEffect(() => {
    const onChange = () => setFullscreen(document.fullscreenElement === rootRef.current && rootRef.current !== null);
    document.addEventListener("fullscreenchange", onChange);
    return () => document.removeEventListener("fullscreenchange", onChange);
  }, []);

  const connect = useCallback((mode: ConsoleMode) => setAttempt((a) => ({ n: a.n + 1, mode })), []);

  // SPICE opens a websocket per channel, each with a ticket of its own.
  const mintChannel = useCallback(
    async (mainUrl: string): Promise<string> => {
      for (let i = 0; ; i++) {
        const r = await ticketMint({ hostId, uuid, kind, mode: "interactive", csrfToken, channel: "extra", mainUrl });
        if (r.ok) return r.ticket.url;
        // Right after a take-over, the previous holder's sessions take about a second to close.
        if ("held" in r && i < 6) {
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        throw new Error("held" in r ? t("status.held") : r.error.message);
      }
    },
    [hostId, uuid, kind, csrfToken, t],
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
    onDesktopName: setDesktopName,
  };

  const session = phase.kind === "session" ? phase : null;
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
    const error = await vvDownload({ hostId, uuid, csrfToken });
    setVvState({ busy: false, error });
    afterToolbar();
  }

  async function toggleFullscreen() {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await rootRef.current?.requestFullscreen();
    } catch {
      // refused by the browser (no user gesture, iframe policy)
    }
    afterToolbar();
  }

  const kinds = vm ? CONSOLE_KINDS.filter((k) => k === kind || hasKind(vm, k)) : [kind];

  const dot =
    status === "connected" ? "bg-emerald-500" : status === "connecting" ? "bg-amber-400 animate-pulse" : "bg-red-500";

  return (
    <div
      ref={rootRef}
      data-testid="console-root"
      data-kind={kind}
      data-status={status}
      data-close-code={ended?.code ?? undefined}
      data-view-only={session ? String(viewOnly) : undefined}
      // A window of its own: covers the app's frame (this route lives inside it).
      className="fixed inset-0 z-40 flex flex-col bg-slate-950 text-slate-100"
    >
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-slate-800 bg-slate-900 px-3 py-1.5 text-sm">
        <div className="flex min-w-0 items-center gap-2">
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
        </div>

        <p className="flex min-w-0 items-center gap-2 text-slate-300" role="status" aria-live="polite">
          <span aria-hidden="true" className={cn("size-2 shrink-0 rounded-full", dot)} />
          <span data-testid="console-status" className="truncate">
            {statusText()}
          </span>
        </p>

        <div role="toolbar" aria-label={t("toolbar.label")} className="ml-auto flex flex-wrap items-center gap-1">
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
        </div>
      </header>

      <div className="relative min-h-0 flex-1">
        {session ? (
          <ConsoleView
            key={session.n}
            kind={kind}
            ticket={session.ticket}
            viewOnly={viewOnly}
            scale={scale}
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
              canTakeover={canTakeover}
              onView={() => connect("view")}
              onTakeover={() => connect("takeover")}
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
              <Button
                size="sm"
                className="mt-4"
                testId="console-ended-reconnect"
                onClick={() => connect("interactive")}
              >
                {phase.kind === "failed" ? t("held.retry") : t("toolbar.reconnect")}
              </Button>
            </section>
          </Overlay>
        ) : null}
      </div>

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
    </div>
  );
}

function ConsoleView(p: {
  kind: ConsoleKind;
  ticket: ConsoleTicket;
  viewOnly: boolean;
  scale: ScaleMode;
  events: ViewEvents;
  handle: RefObject<ConsoleHandle | null>;
  mintChannel: (mainUrl: string) => Promise<string>;
}) {
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

function ToolButton({ testId, className, ...rest }: ComponentProps<typeof Button> & { testId: string }) {
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
