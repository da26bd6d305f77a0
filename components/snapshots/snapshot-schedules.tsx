"use client";

import { useState, type FormEvent } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall, useConfirmAction } from "@/components/api/use-action";
import { enc, useApi } from "@/components/data/use-api";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog, FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { SnapshotKind, SnapshotScheduleView } from "@/lib/contracts/snapshot";

/**
 * A VM's snapshot schedules under its snapshot tree: each with its rhythm, retention, the next runs
 * (UTC) and how the last run went (a failed run shows its error); holders of vm.snapshot add and
 * remove schedules.
 */
export function SnapshotSchedules({
  hostId,
  uuid,
  canSnapshot,
}: {
  hostId: string;
  uuid: string;
  canSnapshot: boolean;
}) {
  const t = useTranslations("snapshots");
  const tt = useTranslations("tasks");
  const format = useFormatter();
  const path = `/api/vms/${enc(hostId)}/${enc(uuid)}/snapshot-schedules`;
  const swr = useApi<{ schedules: SnapshotScheduleView[] }>(path, { refreshInterval: 60_000 });
  const schedules = swr.data?.schedules ?? null;
  const [adding, setAdding] = useState(false);
  const remove = useConfirmAction(async (s: SnapshotScheduleView) => {
    await fetchJson(`${path}/${enc(s.id)}`, { method: "DELETE" });
    await swr.mutate();
  });
  const when = (iso: string) =>
    format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });

  return (
    <section
      className="space-y-3 border-t border-slate-200 pt-4 dark:border-slate-800"
      data-testid="snapshot-schedules"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-900 dark:text-slate-100">{t("schedule.title")}</h3>
        {canSnapshot ? (
          <Button size="sm" variant="secondary" testId="schedule-add-open" onClick={() => setAdding(true)}>
            {t("schedule.add")}
          </Button>
        ) : null}
      </div>
      {swr.error ? <ErrorBanner>{swr.error.message}</ErrorBanner> : null}
      {schedules && schedules.length === 0 ? (
        <p className="text-sm text-slate-600 dark:text-slate-400">{t("schedule.empty")}</p>
      ) : null}
      <ul className="space-y-2">
        {(schedules ?? []).map((s) => (
          <li
            key={s.id}
            data-testid="snapshot-schedule"
            className="rounded-lg border border-slate-200 p-3 text-sm dark:border-slate-800"
          >
            <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
              <div className="min-w-0 space-y-1">
                <p className="font-medium text-slate-900 dark:text-slate-100">
                  {s.every.mode === "hours"
                    ? t("schedule.everyHours", { hours: s.every.hours, keep: s.keep })
                    : t("schedule.daily", { at: s.every.at, keep: s.keep })}{" "}
                  <Badge>{t(`location.${s.kind}`)}</Badge>
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  {t("schedule.next")}{" "}
                  {s.nextRuns.map((r, i) => (
                    <span key={r}>
                      {i ? ", " : ""}
                      <time dateTime={r}>{when(r)}</time>
                    </span>
                  ))}{" "}
                  UTC
                </p>
                <p className="text-xs text-slate-600 dark:text-slate-400">
                  {s.lastRunAt ? t("schedule.lastRun", { when: when(s.lastRunAt) }) : t("schedule.neverRun")}
                  {s.lastTask ? (
                    <>
                      {" "}
                      <Badge
                        tone={
                          s.lastTask.status === "failed"
                            ? "danger"
                            : s.lastTask.status === "succeeded"
                              ? "success"
                              : "neutral"
                        }
                      >
                        {tt(`status.${s.lastTask.status}` as never)}
                      </Badge>
                    </>
                  ) : null}
                  {" · "}
                  {t("schedule.count", { count: s.snapshots })}
                </p>
                {s.lastTask?.status === "failed" && s.lastTask.error ? (
                  <Alert tone="error">{s.lastTask.error}</Alert>
                ) : null}
              </div>
              {canSnapshot ? (
                <Button size="sm" variant="ghost-danger" testId="schedule-remove" onClick={() => remove.ask(s)}>
                  {t("schedule.remove")}
                </Button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
      {adding ? <AddDialog path={path} onClose={() => setAdding(false)} onAdded={() => void swr.mutate()} /> : null}
      <ConfirmDialog
        {...remove.dialog}
        title={t("schedule.removeTitle")}
        description={t("schedule.removeDescription")}
        confirmLabel={t("schedule.remove")}
        testId="schedule-remove-dialog"
      />
    </section>
  );
}

function AddDialog({ path, onClose, onAdded }: { path: string; onClose: () => void; onAdded: () => void }) {
  const t = useTranslations("snapshots");
  const [mode, setMode] = useState<"hours" | "daily">("hours");
  const [hours, setHours] = useState("4");
  const [at, setAt] = useState("02:00");
  const [keep, setKeep] = useState("12");
  const [kind, setKind] = useState<SnapshotKind>("internal");
  const { busy, error, call } = useApiCall();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    await call(async () => {
      await fetchJson(path, {
        method: "POST",
        body: {
          kind,
          every: mode === "hours" ? { mode, hours: Number(hours) } : { mode, at },
          keep: Number(keep),
        },
      });
      onAdded();
      onClose();
    });
  };
  return (
    <FormDialog
      open
      onClose={onClose}
      title={t("schedule.addTitle")}
      formId="schedule-add-form"
      submitLabel={t("schedule.addSubmit")}
      pending={busy}
      submitTestId="schedule-add-submit"
      testId="schedule-add-dialog"
    >
      <form id="schedule-add-form" onSubmit={submit} className="grid gap-4 sm:grid-cols-2">
        <Field label={t("schedule.rhythm")}>
          {(p) => (
            <Select
              {...p}
              value={mode}
              onChange={(e) => setMode(e.target.value as "hours" | "daily")}
              testId="schedule-mode"
            >
              <option value="hours">{t("schedule.modeHours")}</option>
              <option value="daily">{t("schedule.modeDaily")}</option>
            </Select>
          )}
        </Field>
        {mode === "hours" ? (
          <Field label={t("schedule.hours")} error={error?.fieldMessage("every.hours")}>
            {(p) => (
              <Input
                {...p}
                type="number"
                min={1}
                max={168}
                value={hours}
                onChange={(e) => setHours(e.target.value)}
                testId="schedule-hours"
              />
            )}
          </Field>
        ) : (
          <Field label={t("schedule.at")} error={error?.fieldMessage("every.at")}>
            {(p) => (
              <Input {...p} type="time" value={at} onChange={(e) => setAt(e.target.value)} testId="schedule-at" />
            )}
          </Field>
        )}
        <Field label={t("schedule.keep")} error={error?.fieldMessage("keep")}>
          {(p) => (
            <Input
              {...p}
              type="number"
              min={1}
              max={100}
              value={keep}
              onChange={(e) => setKeep(e.target.value)}
              testId="schedule-keep"
            />
          )}
        </Field>
        <Field label={t("create.kind")}>
          {(p) => (
            <Select
              {...p}
              value={kind}
              onChange={(e) => setKind(e.target.value as SnapshotKind)}
              testId="schedule-kind"
            >
              <option value="internal">{t("location.internal")}</option>
              <option value="external">{t("location.external")}</option>
            </Select>
          )}
        </Field>
        {error && !error.issues.length ? (
          <Alert tone="error" className="sm:col-span-2">
            {error.message}
          </Alert>
        ) : null}
      </form>
    </FormDialog>
  );
}
