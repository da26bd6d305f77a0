"use client";
import { useState } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useConfirmAction, useNoticeAction } from "@/components/api/use-action";
import { useBackupJobs, useBackupPoints, useBackupVmOptions, useRepositories } from "@/components/data/use-backups";
import { PageHeader } from "@/components/shell/page-header";
import { OutcomeBanners } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { ConfirmDialog } from "@/components/ui/dialog";
import { EmptyState } from "@/components/ui/empty-state";
import { Field } from "@/components/ui/field";
import { ArchiveIcon, PlusIcon } from "@/components/ui/icons";
import { useVmFormat } from "@/components/vms/use-vm-format";
import { Select } from "@/components/ui/input";
import { TBody, TD, TR, Table, TableEmpty, TableHeader } from "@/components/ui/table";
import type { BackupJobView, BackupPointView, RepositoryView } from "@/lib/contracts/backup";
import { JobDialog } from "./job-dialog";
import { RepositoryDialog } from "./repository-dialog";
import { RestoreDialog } from "./restore-dialog";
import { vmKey, type BackupHostOption } from "./types";

const jobPath = (j: BackupJobView) =>
  `/api/vms/${encodeURIComponent(j.hostId)}/${encodeURIComponent(j.vmUuid)}/backup-jobs/${encodeURIComponent(j.id)}`;

/** Repositories, jobs, and the backup points of one VM (back up now, verify, restore). */
export function BackupsClient({ hosts }: { hosts: BackupHostOption[] }) {
  const t = useTranslations("backups");
  const formatBytes = useVmFormat().size;
  const format = useFormatter();
  const when = (iso: string) => format.dateTime(new Date(iso), { dateStyle: "medium", timeStyle: "short" });
  const repos = useRepositories();
  const jobs = useBackupJobs();
  const vms = useBackupVmOptions();
  const [picked, setVm] = useState("");
  const vm = picked || (vms[0] ? vmKey(vms[0]) : "");
  const [repoOpen, setRepoOpen] = useState(false);
  const [jobOpen, setJobOpen] = useState(false);
  const [restoring, setRestoring] = useState<BackupPointView | null>(null);
  const [backupRepo, setBackupRepo] = useState("");
  const chosen = vms.find((v) => vmKey(v) === vm) ?? null;
  const points = useBackupPoints(chosen);
  const action = useNoticeAction();
  const manageable = hosts.filter((h) => h.canManage);

  const removeRepo = useConfirmAction(async (r: RepositoryView) => {
    await fetchJson(`/api/hosts/${encodeURIComponent(r.hostId)}/backup-repositories/${encodeURIComponent(r.id)}`, {
      method: "DELETE",
    });
    repos.drop(r.id);
    action.setNotice(t("repo.deleted", { name: r.name }));
  });
  const removeJob = useConfirmAction(async (j: BackupJobView) => {
    await fetchJson(`${jobPath(j)}`, { method: "DELETE" });
    jobs.drop(j.id);
    action.setNotice(t("job.deleted", { name: j.name }));
  });
  const runJob = (j: BackupJobView) =>
    action.run(async () => {
      await fetchJson(`${jobPath(j)}/run`, { method: "POST" });
      return t("job.started", { name: j.name });
    });
  const backupNow = () =>
    chosen &&
    action.run(async () => {
      await fetchJson(`/api/vms/${encodeURIComponent(chosen.hostId)}/${encodeURIComponent(chosen.uuid)}/backups`, {
        body: { repositoryId: backupRepo || repos.items?.[0]?.id || "" },
      });
      return t("points.started", { name: chosen.name });
    });
  const verify = (p: BackupPointView) =>
    action.run(async () => {
      await fetchJson(
        `/api/vms/${encodeURIComponent(p.hostId)}/${encodeURIComponent(p.vmUuid)}/backups/${encodeURIComponent(p.id)}/verify`,
        { method: "POST" },
      );
      return t("points.verifyStarted");
    });

  const repoList = repos.items ?? [];
  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          manageable.length ? (
            <Button onClick={() => setRepoOpen(true)} testId="backup-repo-open">
              <PlusIcon className="size-4" />
              {t("repo.add")}
            </Button>
          ) : null
        }
      />
      <div className="mb-4 space-y-2">
        <OutcomeBanners
          testId="backups"
          notice={action.notice}
          error={action.error?.message ?? repos.error?.message ?? jobs.error?.message ?? null}
          onDismissNotice={() => action.setNotice(null)}
          onDismissError={() => action.setError(null)}
        />
      </div>

      <section aria-labelledby="backup-repos-h" className="mb-8">
        <h2 id="backup-repos-h" className="mb-2 text-lg font-semibold">
          {t("repo.heading")}
        </h2>
        {repos.items && repoList.length === 0 ? (
          <EmptyState
            testId="backup-repos-empty"
            icon={<ArchiveIcon />}
            title={t("repo.emptyTitle")}
            description={t("repo.emptyBody")}
            action={
              manageable.length ? (
                <Button onClick={() => setRepoOpen(true)} testId="backup-repo-open-empty">
                  {t("repo.add")}
                </Button>
              ) : undefined
            }
          />
        ) : (
          <Table caption={t("repo.heading")} testId="backup-repos-table">
            <TableHeader
              columns={[t("repo.name"), t("repo.host"), t("repo.path"), t("repo.points"), t("repo.size")]}
              actionsLabel={t("actions")}
            />
            <TBody>
              {repos.items === null ? (
                <TableEmpty colSpan={6}>{t("loading")}</TableEmpty>
              ) : (
                repoList.map((r) => (
                  <TR key={r.id} testId={`backup-repo-row-${r.name}`}>
                    <TD className="font-medium">{r.name}</TD>
                    <TD>{r.hostName}</TD>
                    <TD wrap>{r.path}</TD>
                    <TD>{r.pointCount}</TD>
                    <TD>{formatBytes(r.bytes)}</TD>
                    <TD className="text-right">
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        onClick={() => removeRepo.ask(r)}
                        testId="backup-repo-delete"
                      >
                        {t("repo.delete")}
                      </Button>
                    </TD>
                  </TR>
                ))
              )}
            </TBody>
          </Table>
        )}
      </section>

      <section aria-labelledby="backup-jobs-h" className="mb-8">
        <div className="mb-2 flex items-center justify-between gap-2">
          <h2 id="backup-jobs-h" className="text-lg font-semibold">
            {t("job.heading")}
          </h2>
          <Button
            size="sm"
            variant="secondary"
            disabled={!repoList.length || !vms.length}
            onClick={() => setJobOpen(true)}
            testId="backup-job-open"
          >
            <PlusIcon className="size-4" />
            {t("job.add")}
          </Button>
        </div>
        <Table caption={t("job.heading")} testId="backup-jobs-table">
          <TableHeader
            columns={[t("job.name"), t("job.vm"), t("job.repository"), t("job.schedule"), t("job.retention")]}
            actionsLabel={t("actions")}
          />
          <TBody>
            {jobs.items === null ? (
              <TableEmpty colSpan={6}>{t("loading")}</TableEmpty>
            ) : jobs.items.length === 0 ? (
              <TableEmpty colSpan={6}>{t("job.none")}</TableEmpty>
            ) : (
              jobs.items.map((j) => (
                <TR key={j.id} testId={`backup-job-row-${j.name}`}>
                  <TD className="font-medium">{j.name}</TD>
                  <TD>{vms.find((v) => v.uuid === j.vmUuid && v.hostId === j.hostId)?.name ?? j.vmUuid}</TD>
                  <TD>{j.repositoryName}</TD>
                  <TD>{j.schedule ?? t("job.schedules.manual")}</TD>
                  <TD>{t("job.retentionText", { d: j.keepDaily, w: j.keepWeekly, m: j.keepMonthly })}</TD>
                  <TD className="text-right">
                    <span className="flex justify-end gap-1">
                      <Button
                        size="sm"
                        variant="ghost"
                        loading={action.busy}
                        onClick={() => runJob(j)}
                        testId="backup-job-run"
                      >
                        {t("job.run")}
                      </Button>
                      <Button
                        size="sm"
                        variant="ghost-danger"
                        onClick={() => removeJob.ask(j)}
                        testId="backup-job-delete"
                      >
                        {t("job.delete")}
                      </Button>
                    </span>
                  </TD>
                </TR>
              ))
            )}
          </TBody>
        </Table>
      </section>

      <section aria-labelledby="backup-points-h">
        <h2 id="backup-points-h" className="mb-2 text-lg font-semibold">
          {t("points.heading")}
        </h2>
        <div className="mb-3 flex flex-col gap-3 sm:flex-row sm:items-end">
          <Field label={t("points.vm")} className="sm:w-72">
            {(p) => (
              <Select {...p} value={vm} onChange={(e) => setVm(e.target.value)} testId="backup-points-vm">
                {vms.map((v) => (
                  <option key={vmKey(v)} value={vmKey(v)}>
                    {v.name} ({v.hostName})
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Field label={t("points.repository")} className="sm:w-56">
            {(p) => (
              <Select
                {...p}
                value={backupRepo}
                onChange={(e) => setBackupRepo(e.target.value)}
                testId="backup-now-repo"
              >
                {repoList.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </Select>
            )}
          </Field>
          <Button
            disabled={!chosen || !repoList.length}
            loading={action.busy}
            onClick={() => void backupNow()}
            testId="backup-now"
          >
            {t("points.backupNow")}
          </Button>
        </div>
        <Table caption={t("points.heading")} testId="backup-points-table">
          <TableHeader
            columns={[t("points.when"), t("points.kind"), t("points.repository"), t("points.disks"), t("points.size")]}
            actionsLabel={t("actions")}
          />
          <TBody>
            {!chosen ? (
              <TableEmpty colSpan={6}>{t("points.pickVm")}</TableEmpty>
            ) : points.items === null ? (
              <TableEmpty colSpan={6}>{t("loading")}</TableEmpty>
            ) : points.items.length === 0 ? (
              <TableEmpty colSpan={6}>{t("points.none")}</TableEmpty>
            ) : (
              points.items.map((p) => (
                <TR key={p.id} testId="backup-point-row">
                  <TD>{when(p.createdAt)}</TD>
                  <TD>
                    <span className="flex flex-wrap gap-1">
                      <Badge tone={p.kind === "full" ? "info" : "neutral"}>{t(`points.kinds.${p.kind}`)}</Badge>
                      {p.method === "copy" ? <Badge tone="neutral">{t("points.copied")}</Badge> : null}
                      {p.verifiedAt ? <Badge tone="success">{t("points.verified")}</Badge> : null}
                    </span>
                  </TD>
                  <TD>{p.repositoryName}</TD>
                  <TD>{p.disks.map((d) => `${d.target} (${d.sourceFormat})`).join(", ")}</TD>
                  <TD>{formatBytes(p.bytes)}</TD>
                  <TD className="text-right">
                    <span className="flex justify-end gap-1">
                      <Button size="sm" variant="ghost" onClick={() => verify(p)} testId="backup-point-verify">
                        {t("points.verify")}
                      </Button>
                      <Button size="sm" variant="ghost" onClick={() => setRestoring(p)} testId="backup-point-restore">
                        {t("points.restore")}
                      </Button>
                    </span>
                  </TD>
                </TR>
              ))
            )}
          </TBody>
        </Table>
      </section>

      {repoOpen ? (
        <RepositoryDialog
          open
          hosts={manageable}
          onClose={() => setRepoOpen(false)}
          onCreated={(r) => {
            repos.put(r);
            setRepoOpen(false);
            action.setNotice(t("repo.created", { name: r.name }));
          }}
        />
      ) : null}
      {jobOpen ? (
        <JobDialog
          open
          vms={vms}
          repositories={repoList}
          onClose={() => setJobOpen(false)}
          onCreated={(j) => {
            jobs.put(j);
            setJobOpen(false);
            action.setNotice(t("job.created", { name: j.name }));
          }}
        />
      ) : null}
      {restoring ? (
        <RestoreDialog
          key={restoring.id}
          point={restoring}
          hosts={hosts}
          onClose={() => setRestoring(null)}
          onStarted={(name) => {
            setRestoring(null);
            action.setNotice(t("restore.started", { name }));
          }}
        />
      ) : null}
      <ConfirmDialog
        {...removeRepo.dialog}
        title={t("repo.deleteTitle", { name: removeRepo.target?.name ?? "" })}
        description={t("repo.deleteBody")}
        confirmLabel={t("repo.delete")}
        testId="backup-repo-delete-confirm"
      />
      <ConfirmDialog
        {...removeJob.dialog}
        title={t("job.deleteTitle", { name: removeJob.target?.name ?? "" })}
        description={t("job.deleteBody")}
        confirmLabel={t("job.delete")}
        testId="backup-job-delete-confirm"
      />
    </>
  );
}
