"use client";

import Link from "next/link";
import { useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import type { ApiError } from "@/components/api/fetch-json";
import { useVm } from "@/components/data/use-vms";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn, focusRing } from "@/components/ui/cn";
import { TBody, TD, TH, THead, TR, Table, TableEmpty } from "@/components/ui/table";
import { CopyButton } from "@/components/vms/copy-button";
import { LiveIndicator } from "@/components/vms/live-indicator";
import type { VmAction, VmDetail, VmGraphicsDevice } from "@/components/vms/types";
import { useVmActions } from "@/components/vms/use-vm-actions";
import { VmDeleteButton } from "@/components/vms/vm-delete-dialog";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { VmStateBadge } from "@/components/vms/vm-state-badge";
import { VmConsoleLinks, VmThumbnail } from "@/components/vms/vm-console-links";
import { VmHardwarePanel } from "@/components/provisioning/vm-hardware-panel";
import { VmAddressesCard } from "@/components/guest-ips/vm-addresses-card";

/** The action bar, in the order people reach for them; autostart is a separate toggle. */
const BAR: { action: VmAction; variant: "primary" | "secondary" | "danger" }[] = [
  { action: "start", variant: "primary" },
  { action: "shutdown", variant: "secondary" },
  { action: "reboot", variant: "secondary" },
  { action: "suspend", variant: "secondary" },
  { action: "resume", variant: "secondary" },
  { action: "managedsave", variant: "secondary" },
  { action: "destroy", variant: "danger" },
  { action: "reset", variant: "danger" },
  { action: "managedsave-remove", variant: "danger" },
];

type Tab = "overview" | "hardware" | "access" | "xml";

export function VmDetailClient({
  hostId,
  uuid,
  canPower,
  canConsole,
  canViewHosts,
  canDelete = false,
  canEdit = false,
  canClone = false,
  canTemplate = false,
  accessPanel,
}: {
  hostId: string;
  uuid: string;
  canPower: boolean;
  /** vm.console: show the screen preview and console buttons. */
  canConsole: boolean;
  /** host.view: link the host name to its page. */
  canViewHosts: boolean;
  /** vm.delete: show "Delete VM" (with storage). */
  canDelete?: boolean;
  /** vm.edit / vm.clone / template.manage: the Hardware tab's edits, clone, convert to template. */
  canEdit?: boolean;
  canClone?: boolean;
  canTemplate?: boolean;
  /** The Tags & permissions tab's content (components/access), rendered by the page. */
  accessPanel?: ReactNode;
}) {
  const t = useTranslations("vms");
  const tc = useTranslations("common");
  const { vm, error: loadError, loading, gone, live, merge, reload } = useVm(hostId, uuid);
  const [dismissed, setDismissed] = useState<ApiError | null>(null);
  const [tab, setTab] = useState<Tab>("overview");

  const actions = useVmActions({ onResult: merge });

  if (!vm) {
    return (
      <div className="space-y-4" data-testid="vm-detail-loading">
        <BackLink />
        {loadError ? (
          <ErrorBanner
            testId="vm-load-error"
            title={loadError.status === 404 ? t("detail.notFound") : t("loadFailed")}
            action={
              loadError.status === 404 ? undefined : (
                <Button size="sm" variant="secondary" onClick={reload} testId="vm-retry">
                  {tc("actions.retry")}
                </Button>
              )
            }
          >
            {loadError.message}
          </ErrorBanner>
        ) : loading ? (
          <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
            <Spinner /> {tc("status.loading")}
          </p>
        ) : null}
      </div>
    );
  }

  const busy = actions.busyAction(vm);
  const allowed = new Set(vm.allowedActions);
  const autostartAction: VmAction = vm.autostart ? "autostart-off" : "autostart-on";

  return (
    <div data-testid="vm-detail" data-uuid={vm.uuid} data-host-id={vm.hostId} data-name={vm.name} data-state={vm.state}>
      <BackLink />
      <div className="mt-3 mb-6 flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
        <div className="min-w-0">
          <div className="flex flex-wrap items-center gap-3">
            <h1
              className="text-2xl font-semibold tracking-tight [overflow-wrap:anywhere] text-slate-900 dark:text-slate-50"
              data-testid="vm-name"
            >
              {vm.name}
            </h1>
            <VmStateBadge state={vm.state} testId="vm-detail-state" />
            {vm.hasManagedSave ? <Badge tone="info">{t("saved")}</Badge> : null}
          </div>
          {vm.title ? <p className="mt-1 text-sm text-slate-700 dark:text-slate-300">{vm.title}</p> : null}
          <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">
            {t.rich("detail.onHost", {
              host: () =>
                canViewHosts ? (
                  <Link
                    href={`/hosts/${encodeURIComponent(vm.hostId)}`}
                    className="font-medium text-indigo-700 hover:underline dark:text-indigo-300"
                    data-testid="vm-host-link"
                  >
                    {vm.hostName}
                  </Link>
                ) : (
                  <span className="font-medium">{vm.hostName}</span>
                ),
            })}
          </p>
        </div>
        <LiveIndicator status={live} />
      </div>

      <div className="space-y-4">
        {gone ? (
          <Alert tone="warning" testId="vm-gone" title={t("detail.goneTitle")}>
            {t("detail.goneBody")}
          </Alert>
        ) : null}

        {canConsole ? (
          <div className="flex flex-wrap items-start gap-4">
            <VmThumbnail vm={vm} />
            <VmConsoleLinks vm={vm} />
          </div>
        ) : null}

        {canPower ? (
          <div
            role="toolbar"
            aria-label={t("detail.actionsLabel")}
            className="flex flex-wrap items-center gap-x-4 gap-y-2"
            data-testid="vm-actions"
          >
            <div className="flex flex-wrap gap-2">
              {/* A template VM never starts (its disk backs linked clones): no Start button at all. */}
              {BAR.filter(({ action }) => !(vm.template && action === "start")).map(({ action, variant }) => (
                <Button
                  key={action}
                  size="sm"
                  variant={variant === "danger" ? "secondary" : variant}
                  className={variant === "danger" ? "text-red-700 dark:text-red-300" : undefined}
                  testId={`vm-action-${action}`}
                  disabled={gone || !allowed.has(action) || (busy !== null && busy !== action)}
                  loading={busy === action}
                  onClick={() => actions.request(vm, action)}
                >
                  {t(`actions.${action}`)}
                </Button>
              ))}
            </div>
            <Button
              size="sm"
              variant="ghost"
              testId={`vm-action-${autostartAction}`}
              aria-pressed={vm.autostart}
              title={t(`actions.${autostartAction}`)}
              disabled={gone || !allowed.has(autostartAction) || (busy !== null && busy !== autostartAction)}
              loading={busy === autostartAction}
              onClick={() => actions.request(vm, autostartAction)}
            >
              <span
                aria-hidden="true"
                className={cn(
                  "relative inline-flex h-4 w-7 items-center rounded-full transition-colors",
                  vm.autostart ? "bg-indigo-600" : "bg-slate-300 dark:bg-slate-600",
                )}
              >
                <span
                  className={cn(
                    "inline-block size-3 rounded-full bg-white shadow transition-transform",
                    vm.autostart ? "translate-x-3.5" : "translate-x-0.5",
                  )}
                />
              </span>
              {t("detail.autostart")}
            </Button>
          </div>
        ) : null}

        {canDelete ? <VmDeleteButton hostId={hostId} uuid={uuid} disabled={gone} /> : null}

        {actions.failure ? (
          <ErrorBanner
            testId="vm-action-error"
            title={actions.failureText(actions.failure)}
            onDismiss={actions.clearFailure}
          >
            <span className="font-mono text-xs whitespace-pre-wrap">{actions.failure.message}</span>
          </ErrorBanner>
        ) : null}
        {loadError && loadError !== dismissed ? (
          <ErrorBanner testId="vm-load-error" title={t("loadFailed")} onDismiss={() => setDismissed(loadError)}>
            {loadError.message}
          </ErrorBanner>
        ) : null}
        {vm.pendingChanges ? (
          <Alert tone="info" testId="vm-pending-changes">
            {t("detail.pendingChanges")}
          </Alert>
        ) : null}

        <div
          role="tablist"
          aria-label={t("detail.tabsLabel")}
          className="flex gap-1 border-b border-slate-200 dark:border-slate-800"
        >
          {(accessPanel
            ? (["overview", "hardware", "access", "xml"] as const)
            : (["overview", "hardware", "xml"] as const)
          ).map((id) => (
            <button
              key={id}
              type="button"
              role="tab"
              id={`vm-tab-${id}`}
              aria-selected={tab === id}
              aria-controls={`vm-panel-${id}`}
              data-testid={`vm-tab-${id}`}
              onClick={() => setTab(id)}
              className={cn(
                "-mb-px border-b-2 px-3 py-2 text-sm font-medium",
                tab === id
                  ? "border-indigo-600 text-indigo-700 dark:border-indigo-400 dark:text-indigo-300"
                  : "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
                focusRing,
              )}
            >
              {t(`detail.tabs.${id}`)}
            </button>
          ))}
        </div>

        <div role="tabpanel" id={`vm-panel-${tab}`} aria-labelledby={`vm-tab-${tab}`}>
          {tab === "overview" ? (
            <Overview vm={vm} />
          ) : tab === "hardware" ? (
            <VmHardwarePanel
              hostId={hostId}
              uuid={uuid}
              canEdit={canEdit}
              canClone={canClone}
              canTemplate={canTemplate}
              onChanged={reload}
            />
          ) : tab === "access" ? (
            accessPanel
          ) : (
            <XmlPanel vm={vm} />
          )}
        </div>
      </div>
      {actions.dialog}
    </div>
  );
}

function BackLink() {
  const t = useTranslations("vms");
  return (
    <Link
      href="/vms"
      className={buttonClasses({ variant: "ghost", size: "sm", className: "-ml-3" })}
      data-testid="vm-back"
    >
      <span aria-hidden="true">←</span>
      {t("detail.back")}
    </Link>
  );
}

function Overview({ vm }: { vm: VmDetail }) {
  const t = useTranslations("vms");
  const fmt = useVmFormat();
  const none = <span className="text-slate-500 dark:text-slate-400">—</span>;
  const graphics = vm.graphicsDevices.map((g) => graphicsText(g, t)).join(", ");
  return (
    <div className="space-y-4">
      {vm.graphicsWarning ? (
        <Alert tone="warning" testId="vm-graphics-warning" title={t("detail.graphicsWarningTitle")}>
          {vm.graphicsWarningMessage && t.has(vm.graphicsWarningMessage.key)
            ? t(vm.graphicsWarningMessage.key, vm.graphicsWarningMessage.params)
            : vm.graphicsWarning}
        </Alert>
      ) : null}
      <Card>
        <CardHeader title={t("detail.general")} />
        <CardBody>
          <dl className="grid grid-cols-1 gap-x-8 gap-y-3 text-sm sm:grid-cols-2 xl:grid-cols-3">
            <Item label={t("detail.state")}>
              <VmStateBadge state={vm.state} testId="vm-overview-state" />
            </Item>
            <Item label={t("detail.uuid")}>
              <span className="font-mono text-xs break-all" data-testid="vm-uuid">
                {vm.uuid}
              </span>
            </Item>
            <Item label={t("detail.os")}>
              {vm.osinfoId ? (
                <span className="font-mono text-xs break-all" data-testid="vm-osinfo">
                  {vm.osinfoId}
                </span>
              ) : (
                none
              )}
            </Item>
            <Item label={t("detail.domainType")}>
              <span data-testid="vm-domain-type">{vm.domainType || none}</span>
            </Item>
            <Item label={t("detail.arch")}>{[vm.osType, vm.arch, vm.machine].filter(Boolean).join(" · ") || none}</Item>
            <Item label={t("detail.vcpus")}>
              <span data-testid="vm-vcpus">{fmt.count(vm.vcpus)}</span>
            </Item>
            <Item label={t("detail.memory")}>
              <span data-testid="vm-memory">
                {vm.memoryKiB === vm.maxMemoryKiB
                  ? fmt.kib(vm.memoryKiB)
                  : t("detail.memoryOfMax", { current: fmt.kib(vm.memoryKiB), max: fmt.kib(vm.maxMemoryKiB) })}
              </span>
            </Item>
            <Item label={t("detail.bootOrder")}>{vm.bootOrder.length ? vm.bootOrder.join(" → ") : none}</Item>
            <Item label={t("detail.autostart")}>{vm.autostart ? t("yes") : t("no")}</Item>
            <Item label={t("detail.cpu")}>{vm.cpuPercent == null ? none : fmt.percent(vm.cpuPercent)}</Item>
            <Item label={t("detail.uptime")}>{vm.uptimeSeconds == null ? none : fmt.uptime(vm.uptimeSeconds)}</Item>
            <Item label={t("detail.graphics")}>
              <span data-testid="vm-graphics">{graphics || t("detail.noGraphics")}</span>
            </Item>
            <Item label={t("detail.serials")}>{fmt.count(vm.serials)}</Item>
          </dl>
          {vm.description ? (
            <div className="mt-4 border-t border-slate-200 pt-4 dark:border-slate-800">
              <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{t("detail.description")}</dt>
              <dd
                className="mt-1 text-sm whitespace-pre-wrap text-slate-800 dark:text-slate-200"
                data-testid="vm-description"
              >
                {vm.description}
              </dd>
            </div>
          ) : null}
        </CardBody>
      </Card>

      <VmAddressesCard hostId={vm.hostId} uuid={vm.uuid} running={vm.state !== "shutoff" && vm.state !== "nostate"} />

      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900 dark:text-slate-50">{t("detail.disks")}</h2>
        <Table caption={t("detail.disks")} testId="vm-disks">
          <THead>
            <TR>
              <TH>{t("detail.disk.target")}</TH>
              <TH>{t("detail.disk.device")}</TH>
              <TH>{t("detail.disk.bus")}</TH>
              <TH>{t("detail.disk.format")}</TH>
              <TH>{t("detail.disk.source")}</TH>
              <TH className="text-right">{t("detail.disk.capacity")}</TH>
            </TR>
          </THead>
          <TBody>
            {vm.disks.length === 0 ? <TableEmpty colSpan={6}>{t("detail.noDisks")}</TableEmpty> : null}
            {vm.disks.map((d, i) => (
              <TR key={`${d.target}:${i}`} testId="vm-disk" data-target={d.target}>
                <TD className="font-mono text-xs">{d.target}</TD>
                <TD>
                  {d.device}
                  {d.readonly ? (
                    <Badge tone="neutral" className="ml-2">
                      {t("detail.disk.readonly")}
                    </Badge>
                  ) : null}
                </TD>
                <TD>{d.bus ?? none}</TD>
                <TD>{d.format ?? none}</TD>
                <TD wrap className="font-mono text-xs break-all">
                  {d.source ?? none}
                </TD>
                <TD className="text-right tabular-nums">
                  {d.capacityBytes == null ? none : fmt.size(d.capacityBytes)}
                </TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </section>

      <section className="space-y-2">
        <h2 className="text-base font-semibold text-slate-900 dark:text-slate-50">{t("detail.nics")}</h2>
        <Table caption={t("detail.nics")} testId="vm-nics">
          <THead>
            <TR>
              <TH>{t("detail.nic.mac")}</TH>
              <TH>{t("detail.nic.type")}</TH>
              <TH>{t("detail.nic.source")}</TH>
              <TH>{t("detail.nic.model")}</TH>
            </TR>
          </THead>
          <TBody>
            {vm.nics.length === 0 ? <TableEmpty colSpan={4}>{t("detail.noNics")}</TableEmpty> : null}
            {vm.nics.map((n, i) => (
              <TR key={n.mac ?? i} testId="vm-nic" data-mac={n.mac ?? undefined}>
                <TD className="font-mono text-xs">{n.mac ?? none}</TD>
                <TD>{n.type}</TD>
                <TD>{n.source ?? none}</TD>
                <TD>{n.model ?? none}</TD>
              </TR>
            ))}
          </TBody>
        </Table>
      </section>
    </div>
  );
}

function graphicsText(g: VmGraphicsDevice, t: ReturnType<typeof useTranslations<"vms">>): string {
  const type = g.type.toUpperCase();
  const listen = g.listen.join(", ");
  const port = g.port != null && g.port > 0 ? String(g.port) : g.autoport ? t("detail.autoport") : "";
  if (listen && port) return t("detail.graphicsListenPort", { type, listen, port });
  if (listen) return t("detail.graphicsListen", { type, listen });
  return type;
}

function Item({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs font-medium text-slate-500 dark:text-slate-400">{label}</dt>
      <dd className="mt-0.5 text-slate-900 dark:text-slate-100">{children}</dd>
    </div>
  );
}

function XmlPanel({ vm }: { vm: VmDetail }) {
  const t = useTranslations("vms");
  const [which, setWhich] = useState<"live" | "inactive">("live");
  const xml = which === "live" ? vm.xml : vm.inactiveXml;
  return (
    <Card>
      <CardHeader
        title={t("detail.xmlTitle")}
        description={which === "live" ? t("detail.xmlLiveHint") : t("detail.xmlInactiveHint")}
        actions={
          <>
            <div
              role="group"
              aria-label={t("detail.xmlWhich")}
              className="inline-flex rounded-md shadow-sm ring-1 ring-slate-300 ring-inset dark:ring-slate-700"
            >
              {(["live", "inactive"] as const).map((w) => (
                <button
                  key={w}
                  type="button"
                  aria-pressed={which === w}
                  data-testid={`vm-xml-${w}`}
                  onClick={() => setWhich(w)}
                  className={cn(
                    "h-8 px-3 text-sm font-medium first:rounded-l-md last:rounded-r-md",
                    which === w
                      ? "bg-indigo-600 text-white"
                      : "text-slate-700 hover:bg-slate-50 dark:text-slate-300 dark:hover:bg-slate-800",
                    focusRing,
                  )}
                >
                  {t(`detail.xml.${w}`)}
                </button>
              ))}
            </div>
            <CopyButton text={xml} testId="vm-xml-copy" />
          </>
        }
      />
      <pre
        data-testid="vm-xml"
        data-which={which}
        tabIndex={0}
        className="max-h-[60vh] overflow-auto rounded-b-xl bg-slate-50 px-5 py-4 font-mono text-xs leading-5 text-slate-800 dark:bg-slate-950 dark:text-slate-200"
      >
        {xml}
      </pre>
    </Card>
  );
}
