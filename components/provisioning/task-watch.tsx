"use client";

import Link from "next/link";
import { useTranslations } from "use-intl";
import { useApiCall } from "@/components/api/use-action";
import { useTask } from "@/components/data/use-tasks";
import { Alert } from "@/components/ui/alert";
import { Button, buttonClasses } from "@/components/ui/button";
import { TaskProgress } from "@/components/tasks/task-progress";
import { taskCancelRequest } from "@/components/tasks/task-row";
import { TaskStatusBadge } from "@/components/tasks/task-status-badge";
import { useTaskMessage, useTaskTitle } from "@/components/tasks/task-title";
import { vmHref } from "@/components/vms/types";
import { taskIsFinished } from "@/lib/contracts/tasks";

/**
 * Follows one task (create with a full copy, clone, migration) until it ends, then links the VM: the one its
 * result names, or `open` when the result does not say where it is. `cancellable` offers the task's cancel
 * while it runs.
 */
export function TaskWatch({
  taskId,
  testId = "prov-task",
  cancellable = false,
  open,
}: {
  taskId: string;
  testId?: string;
  cancellable?: boolean;
  open?: { href: string; label: string };
}) {
  const t = useTranslations("provisioning");
  const tt = useTranslations("tasks");
  const titleOf = useTaskTitle();
  const messageOf = useTaskMessage();
  const { task, update } = useTask(taskId);
  const cancel = useApiCall();

  const result = task?.result as { hostId?: string; uuid?: string; name?: string } | null | undefined;
  const link =
    open ??
    (result?.hostId && result.uuid
      ? {
          href: vmHref({ hostId: result.hostId, uuid: result.uuid }),
          label: t("task.openVm", { name: result.name ?? "" }),
        }
      : null);
  const finished = task ? taskIsFinished(task.status) : false;
  return (
    <div className="space-y-2" data-testid={testId} data-status={task?.status ?? "queued"}>
      <div className="flex items-center justify-between gap-2 text-sm">
        <span className="min-w-0 font-medium [overflow-wrap:anywhere]">
          {task ? titleOf(task) : t("task.starting")}
        </span>
        {task ? <TaskStatusBadge status={task.status} /> : null}
      </div>
      <TaskProgress
        status={task?.status ?? "queued"}
        progress={task?.progress ?? 0}
        label={task ? titleOf(task) : t("task.starting")}
        testId={`${testId}-progress`}
      />
      <p className="flex justify-between gap-3 text-xs text-slate-600 dark:text-slate-400">
        <span className="min-w-0 [overflow-wrap:anywhere]" data-testid={`${testId}-message`}>
          {task ? messageOf(task) : null}
        </span>
        {task && !finished ? (
          <span className="shrink-0 tabular-nums" data-testid={`${testId}-percent`}>
            {tt("percent", { value: Math.floor(task.progress) })}
          </span>
        ) : null}
      </p>
      {cancellable && task?.cancellable && !finished ? (
        <Button
          size="sm"
          variant="secondary"
          loading={cancel.busy}
          disabled={task.cancelRequested}
          onClick={() => void cancel.call(async () => update(await taskCancelRequest(task.id)))}
          testId={`${testId}-cancel`}
        >
          {task.cancelRequested ? tt("cancelling") : tt("cancel")}
        </Button>
      ) : null}
      {cancel.error ? (
        <Alert tone="error" testId={`${testId}-cancel-error`}>
          {cancel.error.message}
        </Alert>
      ) : null}
      {task?.status === "failed" || (task?.status === "cancelled" && task.error) ? (
        <Alert tone={task.status === "failed" ? "error" : "warning"} testId={`${testId}-error`}>
          {task.error}
        </Alert>
      ) : null}
      {task?.status === "succeeded" && link ? (
        <Link
          href={link.href}
          className={buttonClasses({
            size: "sm",
            // A long VM or host name wraps on a phone instead of running out of the dialog.
            className: "h-auto! max-w-full py-1.5 text-left whitespace-normal! [overflow-wrap:anywhere]",
          })}
          data-testid={`${testId}-open-vm`}
        >
          {link.label}
        </Link>
      ) : null}
    </div>
  );
}
