"use client";

import Link from "next/link";
import * as Tabs from "@radix-ui/react-tabs";
import { useState, type ReactNode } from "react";
import { useTranslations } from "use-intl";
import type { ApiError } from "@/components/api/fetch-json";
import { useVm } from "@/components/data/use-vms";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner, buttonClasses } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { LiveIndicator } from "@/components/vms/live-indicator";
import { shutdownAskedSet, useShutdownAskedAt } from "@/components/vms/shutdown-pending";
import { vmKey } from "@/components/vms/types";
import { useVmActions } from "@/components/vms/use-vm-actions";
import { VmActionBar } from "@/components/vms/vm-action-bar";
import { VmDeleteDialog } from "@/components/vms/vm-delete-dialog";
import { VmMigrateDialog } from "@/components/vms/vm-migrate-dialog";
import { VmOverview } from "@/components/vms/vm-overview";
import { VmStateBadge } from "@/components/vms/vm-state-badge";
import { VmXmlPanel } from "@/components/vms/vm-xml-panel";
import { VmConsoleLinks, VmThumbnail } from "@/components/vms/vm-console-links";
import { VmHardwarePanel } from "@/components/provisioning/vm-hardware-panel";
import type { HostChoice } from "@/components/provisioning/use-host-options";

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
  migrateTargets = null,
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
  /** vm.migrate: the hosts the VM may move to (vm.create there); null: no "Migrate" at all. */
  migrateTargets?: HostChoice[] | null;
  /** The Tags & permissions tab's content (components/access), rendered by the page. */
  accessPanel?: ReactNode;
}) {
  const t = useTranslations("vms");
  const tc = useTranslations("common");
  const { vm, error: loadError, loading, gone, live, merge, reload } = useVm(hostId, uuid);
  const [dismissed, setDismissed] = useState<ApiError | null>(null);
  const [tab, setTab] = useState<Tab>("overview");

  const shutdownAskedAt = useShutdownAskedAt(vmKey(vm ?? { hostId, uuid }));
  const [deleting, setDeleting] = useState(false);
  const [migrating, setMigrating] = useState(false);
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

  const tabs: Tab[] = accessPanel ? ["overview", "hardware", "access", "xml"] : ["overview", "hardware", "xml"];

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

        {canPower || canDelete || migrateTargets ? (
          <VmActionBar
            vm={vm}
            actions={actions}
            disabled={gone}
            canPower={canPower}
            canDelete={canDelete}
            onDelete={() => setDeleting(true)}
            canMigrate={migrateTargets !== null}
            onMigrate={() => setMigrating(true)}
            shutdownAskedAt={shutdownAskedAt}
            onKeepWaiting={() => shutdownAskedSet(vmKey(vm), Date.now())}
          />
        ) : null}
        {deleting ? <VmDeleteDialog hostId={hostId} uuid={uuid} onClose={() => setDeleting(false)} /> : null}
        {migrating && migrateTargets ? (
          <VmMigrateDialog vm={vm} destinations={migrateTargets} onClose={() => setMigrating(false)} />
        ) : null}

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

        <Tabs.Root value={tab} onValueChange={(v) => setTab(v as Tab)}>
          <Tabs.List
            aria-label={t("detail.tabsLabel")}
            className="flex gap-1 overflow-x-auto border-b border-slate-200 dark:border-slate-800"
          >
            {tabs.map((id) => (
              <Tabs.Trigger
                key={id}
                value={id}
                data-testid={`vm-tab-${id}`}
                className={cn(
                  "-mb-px shrink-0 border-b-2 px-3 py-2 text-sm font-medium",
                  "border-transparent text-slate-600 hover:text-slate-900 dark:text-slate-400 dark:hover:text-slate-100",
                  "data-[state=active]:border-indigo-600 data-[state=active]:text-indigo-700 dark:data-[state=active]:border-indigo-400 dark:data-[state=active]:text-indigo-300",
                  focusRing,
                )}
              >
                {t(`detail.tabs.${id}`)}
              </Tabs.Trigger>
            ))}
          </Tabs.List>
          <Tabs.Content value="overview" className="pt-4">
            <VmOverview vm={vm} />
          </Tabs.Content>
          <Tabs.Content value="hardware" className="pt-4">
            <VmHardwarePanel
              hostId={hostId}
              uuid={uuid}
              canEdit={canEdit}
              canClone={canClone}
              canTemplate={canTemplate}
              onChanged={reload}
            />
          </Tabs.Content>
          {accessPanel ? (
            <Tabs.Content value="access" className="pt-4">
              {accessPanel}
            </Tabs.Content>
          ) : null}
          <Tabs.Content value="xml" className="pt-4">
            <VmXmlPanel vm={vm} />
          </Tabs.Content>
        </Tabs.Root>
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
