"use client";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { useApi } from "@/components/data/use-api";
import { useTask } from "@/components/data/use-tasks";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { useTaskMessage } from "@/components/tasks/task-title";
import type { TaskView } from "@/lib/contracts/tasks";

/** What GET /api/vms/:hostId/:uuid/delete answers (lib/storage/vm-delete.ts). */
interface DeleteDisk {
  target: string;
  device: string;
  path: string | null;
  deletable: boolean;
  reason: string | null;
  usedBy: string[];
}
interface DeletePlan {
  vmName: string;
  state: string;
  hasManagedSave: boolean;
  hasSnapshots: boolean;
  disks: DeleteDisk[];
}

/**
 * "Delete VM": loads the plan (the VM's disks, which may be deleted with it and
 * why not), lets the user tick volumes, asks for the VM's name, then starts the
 * deletion task and follows it in the task panel. Mounted while open (each opening starts afresh).
 */
export function VmDeleteDialog({ hostId, uuid, onClose }: { hostId: string; uuid: string; onClose: () => void }) {
  const t = useTranslations("vms.delete");
  const messageOf = useTaskMessage();
  const router = useRouter();
  const path = `/api/vms/${encodeURIComponent(hostId)}/${encodeURIComponent(uuid)}/delete`;
  const planQuery = useApi<{ plan: DeletePlan }>(path);
  const plan = planQuery.data?.plan ?? null;
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  // Disks (not CD-ROMs) that may go are ticked by default, again for every plan read.
  const [chosenFor, setChosenFor] = useState<DeletePlan | null>(null);
  if (plan && plan !== chosenFor) {
    setChosenFor(plan);
    setChosen(new Set(plan.disks.filter((d) => d.deletable && d.device === "disk").map((d) => d.path!)));
  }
  const [confirmName, setConfirmName] = useState("");
  const { busy, error: failure, call } = useApiCall();
  const error = (failure ?? planQuery.error)?.message ?? null;
  const [started, setStarted] = useState<TaskView | null>(null);
  const followed = useTask(started?.id ?? null).task;
  const task = started && followed?.id === started.id ? followed : started;

  // Once the task has deleted the VM, leave its page.
  const succeeded = task?.status === "succeeded";
  useEffect(() => {
    if (succeeded) router.push("/vms");
  }, [succeeded, router]);

  function submit() {
    void call(async () =>
      setStarted((await fetchJson<{ task: TaskView }>(path, { body: { volumes: [...chosen] } })).task),
    );
  }

  const running = task !== null && task.status !== "failed";
  return (
    <>
      <Dialog
        open
        onClose={() => (busy || running ? undefined : onClose())}
        title={plan ? t("title", { name: plan.vmName }) : t("open")}
        description={t("description")}
        testId="vm-delete-dialog"
        footer={
          <>
            <Button variant="secondary" onClick={onClose} disabled={busy || running} testId="vm-delete-cancel">
              {t("cancel")}
            </Button>
            <Button
              variant="danger"
              onClick={submit}
              loading={busy || running}
              disabled={!plan || confirmName !== plan.vmName || running}
              testId="vm-delete-confirm"
            >
              {chosen.size ? t("confirmWith", { count: chosen.size }) : t("confirm")}
            </Button>
          </>
        }
      >
        {!plan && !error ? <p className="text-sm text-slate-500 dark:text-slate-400">{t("loading")}</p> : null}
        {plan ? (
          <div className="space-y-4">
            {plan.state !== "shut off" ? (
              <p className="text-sm text-amber-700 dark:text-amber-300" data-testid="vm-delete-running">
                {t("running")}
              </p>
            ) : null}
            {plan.hasManagedSave || plan.hasSnapshots ? (
              <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="vm-delete-metadata">
                {t("metadata", {
                  managed: plan.hasManagedSave ? "yes" : "no",
                  snapshots: plan.hasSnapshots ? "yes" : "no",
                })}
              </p>
            ) : null}
            <fieldset>
              <legend className="mb-2 text-sm font-medium text-slate-900 dark:text-slate-100">{t("volumes")}</legend>
              {plan.disks.length === 0 ? (
                <p className="text-sm text-slate-500 dark:text-slate-400">{t("noDisks")}</p>
              ) : null}
              <ul className="space-y-2">
                {plan.disks.map((d) => (
                  <li
                    key={`${d.target}-${d.path}`}
                    data-testid="vm-delete-disk"
                    data-path={d.path ?? ""}
                    data-deletable={d.deletable}
                  >
                    <label className="flex items-start gap-2 text-sm">
                      <input
                        type="checkbox"
                        className="mt-0.5"
                        disabled={!d.deletable || running}
                        checked={!!d.path && chosen.has(d.path)}
                        onChange={(e) => {
                          const next = new Set(chosen);
                          if (e.target.checked) next.add(d.path!);
                          else next.delete(d.path!);
                          setChosen(next);
                        }}
                        data-testid="vm-delete-disk-check"
                      />
                      <span className="min-w-0">
                        <span className="font-mono text-xs">{d.target}</span>{" "}
                        <span className="break-all">{d.path ?? "—"}</span>
                        {d.reason ? (
                          <span
                            className="block text-xs text-amber-700 dark:text-amber-300"
                            data-testid="vm-delete-disk-reason"
                          >
                            {t("kept", { reason: d.reason })}
                          </span>
                        ) : null}
                      </span>
                    </label>
                  </li>
                ))}
              </ul>
            </fieldset>
            <label className="block text-sm">
              {t("typeName", { name: plan.vmName })}
              <input
                className="mt-1 block w-full rounded-md border border-slate-300 px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800"
                value={confirmName}
                onChange={(e) => setConfirmName(e.target.value)}
                disabled={running}
                data-testid="vm-delete-name"
              />
            </label>
            {task ? (
              <p className="text-sm" data-testid="vm-delete-task" data-status={task.status}>
                {task.status === "failed" ? task.error : `${messageOf(task)} (${Math.floor(task.progress)} %)`}
              </p>
            ) : null}
          </div>
        ) : null}
        {error ? (
          <ErrorBanner className="mt-4" testId="vm-delete-error">
            {error}
          </ErrorBanner>
        ) : null}
      </Dialog>
    </>
  );
}
