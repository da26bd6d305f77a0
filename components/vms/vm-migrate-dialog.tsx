"use client";

import { useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson, type ApiError } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { enc, useApi } from "@/components/data/use-api";
import { TaskWatch } from "@/components/provisioning/task-watch";
import { messageText, type MessageTranslator } from "@/components/i18n/message-text";
import type { HostChoice } from "@/components/provisioning/use-host-options";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { Dialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { CheckCircleIcon, ErrorIcon, MinusCircleIcon } from "@/components/ui/icons";
import { Select } from "@/components/ui/input";
import { CheckField, NumberField } from "@/components/ui/fields";
import { vmHref, type VmDetail } from "@/components/vms/types";
import { MIGRATE_DEFAULTS, migrateBody, type MigrateOptions } from "@/components/vms/migrate-form";
import type { PreflightReport } from "@/lib/contracts/migration";

type Check = PreflightReport["checks"][number];

/** Body fields the form shows next to their control; any other issue is listed in the error banner. */
const INLINE_FIELDS = new Set(["destHostId", "bandwidthMiB"]);

const STATUS_ICON: Record<Check["status"], { Icon: typeof CheckCircleIcon; className: string }> = {
  pass: { Icon: CheckCircleIcon, className: "text-emerald-600 dark:text-emerald-400" },
  fail: { Icon: ErrorIcon, className: "text-red-600 dark:text-red-400" },
  skip: { Icon: MinusCircleIcon, className: "text-slate-500 dark:text-slate-400" },
};

/**
 * "Migrate": choose a destination among the hosts where the caller may create VMs, read the pre-flight
 * report for it (each check with its verdict and the server's reason; Start stays disabled while one
 * fails), set the options (the live-only ones are off for a shut-off VM), start the task and follow it
 * here with its cancel, then link the VM on its new host. Mounted while open (each opening starts afresh).
 */
export function VmMigrateDialog({
  vm,
  destinations,
  onClose,
}: {
  vm: Pick<VmDetail, "hostId" | "uuid" | "name" | "hostName">;
  destinations: HostChoice[];
  onClose: () => void;
}) {
  const t = useTranslations("migration");
  const tc = useTranslations("common");
  const th = useTranslations("hosts");
  const base = `/api/vms/${enc(vm.hostId)}/${enc(vm.uuid)}/migrate`;
  const [destHostId, setDestHostId] = useState(
    () => (destinations.find((h) => h.status === "online") ?? destinations[0])?.id ?? "",
  );
  const dest = destinations.find((h) => h.id === destHostId) ?? null;
  const preflight = useApi<PreflightReport>(destHostId ? `${base}?destHostId=${enc(destHostId)}` : null);
  const report = preflight.data ?? null;
  const checking = destHostId !== "" && (preflight.isLoading || preflight.isValidating);
  const [options, setOptions] = useState<MigrateOptions>(MIGRATE_DEFAULTS);
  const [bandwidth, setBandwidth] = useState("");
  const { busy, error, setError, call } = useApiCall();
  const [started, setStarted] = useState<{ taskId: string; dest: HostChoice } | null>(null);

  const live = report?.mode === "live";
  const failed = report?.checks.filter((c) => c.status === "fail") ?? [];
  const canStart = !!report && report.ok && !checking && !busy && dest !== null;

  function start() {
    if (!dest || !report) return;
    void call(async () => {
      try {
        const r = await fetchJson<{ taskId: string }>(base, {
          body: migrateBody(dest.id, options, bandwidth, report.mode),
        });
        setStarted({ taskId: r.taskId, dest });
      } catch (err) {
        // Refused on a check that failed since the report was read: show the server's report.
        const fresh = (err as ApiError).data?.report as PreflightReport | undefined;
        if (fresh?.checks) void preflight.mutate(fresh, { revalidate: false });
        throw err;
      }
    });
  }

  const fieldLabel = (path: string): string =>
    path === "destHostId" ? t("destination") : path === "bandwidthMiB" ? t("options.bandwidth") : path;
  const otherIssues = error?.issues.filter((i) => !INLINE_FIELDS.has(i.path)) ?? [];

  return (
    <Dialog
      open
      size="lg"
      onClose={() => (busy ? undefined : onClose())}
      title={t("title", { name: vm.name })}
      description={t("description", { host: vm.hostName })}
      testId="vm-migrate-dialog"
      footer={
        started ? (
          <Button variant="secondary" onClick={onClose} testId="vm-migrate-close">
            {tc("actions.close")}
          </Button>
        ) : (
          <>
            <Button variant="secondary" onClick={onClose} disabled={busy} testId="vm-migrate-cancel">
              {tc("actions.cancel")}
            </Button>
            <Button
              onClick={start}
              loading={busy}
              disabled={!canStart}
              aria-describedby={failed.length ? "vm-migrate-blocked" : undefined}
              testId="vm-migrate-start"
            >
              {t("start")}
            </Button>
          </>
        )
      }
    >
      {started ? (
        <TaskWatch
          taskId={started.taskId}
          testId="vm-migrate-task"
          cancellable
          open={{
            href: vmHref({ hostId: started.dest.id, uuid: vm.uuid }),
            label: t("openOn", { name: vm.name, host: started.dest.name }),
          }}
        />
      ) : (
        <div className="space-y-5">
          {error ? (
            <ErrorBanner testId="vm-migrate-error" title={t("startFailed")}>
              <p className="[overflow-wrap:anywhere]">{error.issues.length ? t("fixFields") : error.message}</p>
              {otherIssues.length ? (
                <ul className="mt-1 list-disc pl-5">
                  {otherIssues.map((i) => (
                    <li key={i.path} data-testid="vm-migrate-issue" data-field={i.path}>
                      {t("issue", { field: fieldLabel(i.path), message: i.message })}
                    </li>
                  ))}
                </ul>
              ) : null}
            </ErrorBanner>
          ) : null}

          {destinations.length === 0 ? (
            <Alert tone="info" testId="vm-migrate-no-hosts">
              {t("noDestinations")}
            </Alert>
          ) : (
            <Field label={t("destination")} error={error?.fieldMessage("destHostId")} hint={t("destinationHint")}>
              {(p) => (
                <Select
                  {...p}
                  data-autofocus
                  value={destHostId}
                  disabled={busy}
                  onChange={(e) => {
                    setDestHostId(e.target.value);
                    setError(null);
                  }}
                  testId="vm-migrate-dest"
                >
                  {destinations.map((h) => (
                    <option key={h.id} value={h.id}>
                      {h.status === "online"
                        ? h.name
                        : t("hostStatus", {
                            name: h.name,
                            status: th.has(`status.${h.status}`) ? th(`status.${h.status}`) : h.status,
                          })}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
          )}

          {destHostId ? (
            <PreflightSection
              report={report}
              loadError={preflight.error ?? null}
              checking={checking}
              onRetry={() => void preflight.mutate()}
            />
          ) : null}

          {report ? (
            <fieldset className="space-y-3" disabled={busy} data-testid="vm-migrate-options">
              <legend className="mb-2 text-sm font-medium text-slate-900 dark:text-slate-100">
                {t("options.legend")}
              </legend>
              <CheckField
                checked={live ? options.persistent : true}
                disabled={!live}
                onChange={(v) => setOptions({ ...options, persistent: v })}
                label={t("options.persistent", { host: dest?.name ?? "" })}
                hint={live ? t("options.persistentHint") : t("options.persistentOffline")}
                testId="vm-migrate-persistent"
              />
              <CheckField
                checked={options.undefineSource}
                onChange={(v) => setOptions({ ...options, undefineSource: v })}
                label={t("options.undefineSource", { host: vm.hostName })}
                hint={
                  <span
                    className={options.undefineSource ? "text-amber-800 dark:text-amber-300" : undefined}
                    data-testid="vm-migrate-undefine-note"
                  >
                    {options.undefineSource
                      ? t("options.undefineConfirm", { name: vm.name, source: vm.hostName, dest: dest?.name ?? "" })
                      : t("options.keepSource", { name: vm.name, source: vm.hostName })}
                  </span>
                }
                testId="vm-migrate-undefine"
              />
              <CheckField
                checked={live && options.autoConverge}
                disabled={!live}
                onChange={(v) => setOptions({ ...options, autoConverge: v })}
                label={t("options.autoConverge")}
                hint={t("options.autoConvergeHint")}
                testId="vm-migrate-autoconverge"
              />
              <CheckField
                checked={live && options.postcopyAfterPrecopy}
                disabled={!live}
                onChange={(v) => setOptions({ ...options, postcopyAfterPrecopy: v })}
                label={t("options.postcopy")}
                hint={t("options.postcopyHint")}
                testId="vm-migrate-postcopy"
              />
              <NumberField
                label={t("options.bandwidth")}
                hint={live ? t("options.bandwidthHint") : t("options.liveOnly")}
                error={error?.fieldMessage("bandwidthMiB")}
                className="max-w-xs"
                inputMode="numeric"
                min={1}
                max={100000}
                step={1}
                disabled={!live}
                value={live ? bandwidth : ""}
                placeholder={t("options.bandwidthPlaceholder")}
                onChange={setBandwidth}
                testId="vm-migrate-bandwidth"
              />
            </fieldset>
          ) : null}
        </div>
      )}
    </Dialog>
  );
}

/** The pre-flight report: the mode, then every check with its verdict, label and the server's reason. */
function PreflightSection({
  report,
  loadError,
  checking,
  onRetry,
}: {
  report: PreflightReport | null;
  loadError: ApiError | null;
  checking: boolean;
  onRetry: () => void;
}) {
  const t = useTranslations("migration");
  // The server's reason in the reader's language (its English when this catalogue lacks the key).
  const reasonOf = (c: Check) =>
    messageText(t as unknown as MessageTranslator, c.reason, c.reasonRef.key, c.reasonRef.params);
  const tc = useTranslations("common");
  if (!report) {
    if (loadError && !checking)
      return (
        <ErrorBanner
          testId="vm-migrate-preflight-error"
          title={t("report.loadFailed")}
          action={
            <Button size="sm" variant="secondary" onClick={onRetry}>
              {tc("actions.retry")}
            </Button>
          }
        >
          <span className="[overflow-wrap:anywhere]">{loadError.message}</span>
        </ErrorBanner>
      );
    return (
      <p
        className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400"
        data-testid="vm-migrate-checking"
      >
        <Spinner /> {t("report.checking")}
      </p>
    );
  }
  const failed = report.checks.filter((c) => c.status === "fail");
  return (
    <section
      aria-labelledby="vm-migrate-report-title"
      aria-busy={checking}
      data-testid="vm-migrate-report"
      data-ok={report.ok}
      data-mode={report.mode}
      className="space-y-3"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id="vm-migrate-report-title" className="text-sm font-medium text-slate-900 dark:text-slate-100">
          {t("report.title")}
        </h3>
        <span className="flex items-center gap-2">
          {checking ? <Spinner /> : null}
          <Badge tone={report.mode === "live" ? "info" : "neutral"} testId="vm-migrate-mode">
            {t(`mode.${report.mode}`)}
          </Badge>
        </span>
      </div>
      <p className="text-xs text-slate-600 dark:text-slate-400">{t(`mode.${report.mode}Hint`)}</p>
      {failed.length ? (
        <Alert tone="error" testId="vm-migrate-blocked" title={t("report.blocked", { count: failed.length })}>
          <ul id="vm-migrate-blocked" className="list-disc pl-5">
            {failed.map((c) => (
              <li key={c.id} className="[overflow-wrap:anywhere]">
                {t("issue", { field: t(`checks.${c.id}`), message: reasonOf(c) })}
              </li>
            ))}
          </ul>
        </Alert>
      ) : null}
      <ul className="divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200 dark:divide-slate-800 dark:ring-slate-800">
        {report.checks.map((c) => {
          const { Icon, className } = STATUS_ICON[c.status];
          return (
            <li
              key={c.id}
              className="flex items-start gap-2.5 px-3 py-1.5"
              data-testid="vm-migrate-check"
              data-check={c.id}
              data-status={c.status}
            >
              <Icon className={cn("mt-0.5 size-5 shrink-0", className)} title={t(`status.${c.status}`)} />
              <div className="min-w-0 flex-1 sm:flex sm:items-baseline sm:gap-3">
                <p className="font-medium text-slate-900 sm:w-44 sm:shrink-0 dark:text-slate-100">
                  {t(`checks.${c.id}`)}
                </p>
                <p className="min-w-0 text-xs text-slate-600 [overflow-wrap:anywhere] dark:text-slate-400">
                  {reasonOf(c)}
                </p>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
