"use client";

import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { enc } from "@/components/data/use-api";
import { useMaintenancePlan, useMaintenancePreflight } from "@/components/data/use-maintenance";
import { messageText, type MessageTranslator } from "@/components/i18n/message-text";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Select } from "@/components/ui/input";
import { Table, TBody, TD, TH, THead, TR } from "@/components/ui/table";
import type { MaintenanceAction, MaintenancePlan, MaintenancePlanVm } from "@/lib/contracts/maintenance";
import type { PreflightReport } from "@/lib/contracts/migration";

interface Choice {
  action: MaintenanceAction;
  destHostId: string | null;
}

/**
 * The evacuation plan of a host: each VM with its proposed destination and action, which the
 * operator may change (another destination is checked with the migration pre-flight at once), then
 * a confirmation step before the evacuation starts. `onStarted` gets the task id.
 */
export function HostMaintenanceDialog({
  hostId,
  hostName,
  open,
  onClose,
  onStarted,
}: {
  hostId: string;
  hostName: string;
  open: boolean;
  onClose: () => void;
  onStarted: (taskId: string) => void;
}) {
  const t = useTranslations("hosts.maintenance");
  const tc = useTranslations("common");
  const { plan, error: loadError, loading } = useMaintenancePlan(open ? hostId : null);
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const [confirming, setConfirming] = useState(false);
  const [blocked, setBlocked] = useState<Record<string, boolean>>({});
  const { busy, error, setError, call } = useApiCall();

  useEffect(() => {
    if (!plan) return;
    setChoices(Object.fromEntries(plan.vms.map((v) => [v.uuid, { action: v.action, destHostId: v.destHostId }])));
    setConfirming(false);
  }, [plan]);

  // A VM that cannot move (no destination, or not yours to migrate) stays; one whose pre-flight fails is
  // still tried and reported by the task, as the others go on.
  const movable = (v: MaintenancePlanVm) =>
    v.allowed && (choices[v.uuid]?.action === "leave" ? !v.running : !!choices[v.uuid]?.destHostId);
  const moving = plan ? plan.vms.filter((v) => movable(v) && choices[v.uuid]?.action === "migrate") : [];
  const checking = moving.some((v) => blocked[v.uuid]);
  const canStart = !!plan && !busy && (moving.length > 0 || plan.vms.length === 0) && !checking;

  function start() {
    if (!plan) return;
    void call(async () => {
      const body = {
        vms: plan.vms.filter(movable).map((v) => ({
          uuid: v.uuid,
          action: choices[v.uuid]?.action ?? v.action,
          destHostId: choices[v.uuid]?.action === "migrate" ? (choices[v.uuid]?.destHostId ?? null) : null,
        })),
      };
      const r = await fetchJson<{ taskId: string }>(`/api/hosts/${enc(hostId)}/maintenance/evacuate`, { body });
      onStarted(r.taskId);
    });
  }

  const close = () => {
    if (busy) return;
    setError(null);
    setConfirming(false);
    onClose();
  };

  return (
    <Dialog
      open={open}
      onClose={close}
      title={t("planTitle", { name: hostName })}
      description={t("planIntro")}
      size="lg"
      testId="host-maint-dialog"
      footer={
        <>
          <Button
            variant="secondary"
            onClick={confirming ? () => setConfirming(false) : close}
            disabled={busy}
            testId="host-maint-cancel"
          >
            {confirming ? t("back") : tc("actions.cancel")}
          </Button>
          {confirming ? (
            <Button variant="danger" onClick={start} loading={busy} disabled={!canStart} testId="host-maint-confirm">
              {t("confirmStart", { count: moving.length })}
            </Button>
          ) : (
            <Button onClick={() => setConfirming(true)} disabled={!canStart} testId="host-maint-start">
              {t("start")}
            </Button>
          )}
        </>
      }
    >
      {error ? (
        <ErrorBanner testId="host-maint-error" title={t("startFailed")}>
          <span className="[overflow-wrap:anywhere]">{error.message}</span>
        </ErrorBanner>
      ) : null}
      {loadError ? (
        <ErrorBanner testId="host-maint-load-error" title={t("planFailed")}>
          <span className="[overflow-wrap:anywhere]">{loadError.message}</span>
        </ErrorBanner>
      ) : null}
      {!plan && loading ? (
        <p
          className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400"
          data-testid="host-maint-loading"
        >
          <Spinner /> {t("planning")}
        </p>
      ) : null}
      {plan && confirming ? (
        <Alert tone="warning" testId="host-maint-confirm-text" title={t("confirmTitle", { name: hostName })}>
          {t("confirmBody", { count: moving.length, left: plan.vms.length - moving.length })}
        </Alert>
      ) : null}
      {plan && !confirming ? (
        <PlanTable
          hostId={hostId}
          plan={plan}
          choices={choices}
          onChoice={(uuid, c) => setChoices((cur) => ({ ...cur, [uuid]: c }))}
          onBlocked={(uuid, b) => setBlocked((cur) => (cur[uuid] === b ? cur : { ...cur, [uuid]: b }))}
        />
      ) : null}
    </Dialog>
  );
}

function PlanTable({
  hostId,
  plan,
  choices,
  onChoice,
  onBlocked,
}: {
  hostId: string;
  plan: MaintenancePlan;
  choices: Record<string, Choice>;
  onChoice: (uuid: string, c: Choice) => void;
  onBlocked: (uuid: string, blocked: boolean) => void;
}) {
  const t = useTranslations("hosts.maintenance");
  if (plan.vms.length === 0)
    return (
      <Alert tone="info" testId="host-maint-empty">
        {t("noVms")}
      </Alert>
    );
  return (
    <Table caption={t("planCaption")} testId="host-maint-plan">
      <THead>
        <TR>
          <TH>{t("columns.vm")}</TH>
          <TH>{t("columns.state")}</TH>
          <TH>{t("columns.action")}</TH>
          <TH>{t("columns.target")}</TH>
          <TH>{t("columns.preflight")}</TH>
        </TR>
      </THead>
      <TBody>
        {plan.vms.map((vm) => (
          <PlanRow
            key={vm.uuid}
            hostId={hostId}
            vm={vm}
            plan={plan}
            choice={choices[vm.uuid] ?? { action: vm.action, destHostId: vm.destHostId }}
            onChoice={(c) => onChoice(vm.uuid, c)}
            onBlocked={(b) => onBlocked(vm.uuid, b)}
          />
        ))}
      </TBody>
    </Table>
  );
}

function PlanRow({
  hostId,
  vm,
  plan,
  choice,
  onChoice,
  onBlocked,
}: {
  hostId: string;
  vm: MaintenancePlanVm;
  plan: MaintenancePlan;
  choice: Choice;
  onChoice: (c: Choice) => void;
  onBlocked: (blocked: boolean) => void;
}) {
  const t = useTranslations("hosts.maintenance");
  const moves = choice.action === "migrate";
  // The proposal came with its report; another destination is checked when chosen.
  const changed = moves && choice.destHostId !== null && choice.destHostId !== vm.destHostId;
  const asked = useMaintenancePreflight(hostId, vm.uuid, changed ? choice.destHostId : null);
  const report: PreflightReport | null = !moves ? null : changed ? asked.report : vm.preflight;
  const checking = changed && asked.loading;
  const failed = moves && (!vm.allowed || !choice.destHostId || (report ? !report.ok : !checking && !!asked.error));
  // Only a report still loading holds Start back: a failing one is the task's to report.
  useEffect(() => onBlocked(checking), [checking, onBlocked]);
  const label = `${vm.name}`;
  return (
    <TR testId="host-maint-row" data-vm-name={vm.name} data-vm-uuid={vm.uuid} data-blocked={failed ? "true" : "false"}>
      <TD className="font-medium [overflow-wrap:anywhere]" wrap>
        {vm.name}
      </TD>
      <TD className="text-sm">{vm.state}</TD>
      <TD>
        <Select
          aria-label={t("actionFor", { name: label })}
          value={choice.action}
          disabled={vm.running || !vm.allowed}
          onChange={(e) => onChoice({ ...choice, action: e.target.value as MaintenanceAction })}
          testId="host-maint-action"
        >
          <option value="migrate">{vm.running ? t("actions.live") : t("actions.move")}</option>
          {vm.running ? null : <option value="leave">{t("actions.leave")}</option>}
        </Select>
      </TD>
      <TD>
        <Select
          aria-label={t("targetFor", { name: label })}
          value={choice.destHostId ?? ""}
          disabled={!moves || !vm.allowed}
          onChange={(e) => onChoice({ ...choice, destHostId: e.target.value || null })}
          testId="host-maint-target"
        >
          <option value="">{t("noTarget")}</option>
          {plan.destinations.map((d) => (
            <option key={d.id} value={d.id}>
              {d.availableMiB === null ? d.name : t("destination", { name: d.name, mib: d.availableMiB })}
            </option>
          ))}
        </Select>
      </TD>
      <TD wrap className="text-sm" data-testid="host-maint-preflight">
        <PreflightCell moves={moves} allowed={vm.allowed} checking={checking} report={report} />
      </TD>
    </TR>
  );
}

function PreflightCell({
  moves,
  allowed,
  checking,
  report,
}: {
  moves: boolean;
  allowed: boolean;
  checking: boolean;
  report: PreflightReport | null;
}) {
  const t = useTranslations("hosts.maintenance");
  const tm = useTranslations("migration");
  if (!moves) return <span className="text-slate-600 dark:text-slate-400">{t("preflight.stays")}</span>;
  if (!allowed) return <Badge tone="danger">{t("preflight.denied")}</Badge>;
  if (checking)
    return (
      <span className="flex items-center gap-1">
        <Spinner /> {t("preflight.checking")}
      </span>
    );
  if (!report) return <Badge tone="warning">{t("preflight.none")}</Badge>;
  if (report.ok)
    return (
      <Badge tone="success" dot>
        {t("preflight.ok", { mode: report.mode })}
      </Badge>
    );
  const reasons = report.checks
    .filter((c) => c.status === "fail")
    .map((c) => messageText(tm as unknown as MessageTranslator, c.reason, c.reasonRef.key, c.reasonRef.params));
  return (
    <div className="space-y-1">
      <Badge tone="danger" dot>
        {t("preflight.failed")}
      </Badge>
      <ul className="list-disc pl-4 text-xs [overflow-wrap:anywhere] text-red-700 dark:text-red-300">
        {reasons.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
    </div>
  );
}
