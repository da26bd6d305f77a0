"use client";
import { useState, type FormEvent } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Alert } from "@/components/ui/alert";
import { FormDialog } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input, Select } from "@/components/ui/input";
import type { BackupJobView, RepositoryView } from "@/lib/contracts/backup";
import { vmKey, type BackupVmOption } from "./types";

const SCHEDULES = ["", "0 2 * * *", "0 */6 * * *", "0 3 * * 0"] as const;

/** A backup job: one VM, one repository, a schedule (or on demand) and retention. */
export function JobDialog({
  open,
  vms,
  repositories,
  onClose,
  onCreated,
}: {
  open: boolean;
  vms: BackupVmOption[];
  repositories: RepositoryView[];
  onClose: () => void;
  onCreated: (j: BackupJobView) => void;
}) {
  const t = useTranslations("backups");
  const { busy, error, call } = useApiCall();
  const [name, setName] = useState("");
  const [vm, setVm] = useState(vms[0] ? vmKey(vms[0]) : "");
  const [repositoryId, setRepositoryId] = useState(repositories[0]?.id ?? "");
  const [schedule, setSchedule] = useState<string>("0 2 * * *");
  const [keep, setKeep] = useState({ keepDaily: 7, keepWeekly: 4, keepMonthly: 3 });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const chosen = vms.find((v) => vmKey(v) === vm);
    void call(async () => {
      if (!chosen) return;
      const r = await fetchJson<{ job: BackupJobView }>(
        `/api/vms/${encodeURIComponent(chosen.hostId)}/${encodeURIComponent(chosen.uuid)}/backup-jobs`,
        {
          body: {
            name,
            repositoryId,
            schedule: schedule || null,
            ...keep,
          },
        },
      );
      onCreated(r.job);
    });
  };
  const fe = (f: string) => error?.fieldMessage(f);
  const keepField = (k: keyof typeof keep) => (
    <Field label={t(`job.${k}`)} error={fe(k)}>
      {(p) => (
        <Input
          {...p}
          type="number"
          min={0}
          max={1000}
          value={keep[k]}
          onChange={(e) => setKeep({ ...keep, [k]: Number(e.target.value) })}
          testId={`backup-job-${k}`}
        />
      )}
    </Field>
  );
  return (
    <FormDialog
      open={open}
      onClose={onClose}
      title={t("job.addTitle")}
      formId="backup-job-form"
      submitLabel={t("job.add")}
      pending={busy}
      submitTestId="backup-job-submit"
      testId="backup-job-dialog"
    >
      <form id="backup-job-form" onSubmit={submit} className="space-y-4">
        {error && !["name", "keepDaily", "keepWeekly", "keepMonthly", "schedule"].some(fe) ? (
          <Alert tone="error">{error.message}</Alert>
        ) : null}
        <Field label={t("job.name")} error={fe("name")} required>
          {(p) => <Input {...p} value={name} onChange={(e) => setName(e.target.value)} testId="backup-job-name" />}
        </Field>
        <Field label={t("job.vm")} required>
          {(p) => (
            <Select {...p} value={vm} onChange={(e) => setVm(e.target.value)} testId="backup-job-vm">
              {vms.map((v) => (
                <option key={vmKey(v)} value={vmKey(v)}>
                  {v.name} ({v.hostName})
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("job.repository")} required>
          {(p) => (
            <Select
              {...p}
              value={repositoryId}
              onChange={(e) => setRepositoryId(e.target.value)}
              testId="backup-job-repo"
            >
              {repositories.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.name}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <Field label={t("job.schedule")} hint={t("job.scheduleHint")} error={fe("schedule")}>
          {(p) => (
            <Select {...p} value={schedule} onChange={(e) => setSchedule(e.target.value)} testId="backup-job-schedule">
              {SCHEDULES.map((s) => (
                <option key={s} value={s}>
                  {s ? t(`job.schedules.${s.replace(/[^0-9a-z]+/gi, "_")}`) : t("job.schedules.manual")}
                </option>
              ))}
            </Select>
          )}
        </Field>
        <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
          {keepField("keepDaily")}
          {keepField("keepWeekly")}
          {keepField("keepMonthly")}
        </div>
      </form>
    </FormDialog>
  );
}
