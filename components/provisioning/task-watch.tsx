"use client";

import Link from "next/link";
import { useTranslations } from "use-intl";
import { useTask } from "@/components/data/use-tasks";
import { Alert } from "@/components/ui/alert";
import { buttonClasses } from "@/components/ui/button";
import { TaskProgress } from "@/components/tasks/task-progress";
import { TaskStatusBadge } from "@/components/tasks/task-status-badge";
import { useTaskMessage, useTaskTitle } from "@/components/tasks/task-title";
import { vmHref } from "@/components/vms/types";

/** Follows one provisioning task (create with a full copy, clone) until it ends, then links the new VM. */
export function TaskWatch({ taskId, testId = "prov-task" }: { taskId: string; testId?: string }) {
  const t = useTranslations("provisioning");
  const titleOf = useTaskTitle();
  const messageOf = useTaskMessage();
  const { task } = useTask(taskId);

  const result = task?.result as { hostId?: string; uuid?: string; name?: string } | null | undefined;
  return (
    <div className="space-y-2" data-testid={testId} data-status={task?.status ?? "queued"}>
      <div className="flex items-center justify-between gap-2 text-sm">
        <span className="font-medium">{task ? titleOf(task) : t("task.starting")}</span>
        {task ? <TaskStatusBadge status={task.status} /> : null}
      </div>
      <TaskProgress
        status={task?.status ?? "queued"}
        progress={task?.progress ?? 0}
        label={task ? titleOf(task) : ""}
        testId={`${testId}-progress`}
      />
      <p className="text-xs text-slate-600 dark:text-slate-400" data-testid={`${testId}-message`}>
        {task ? messageOf(task) : null}
      </p>
      {task?.status === "failed" ? (
        <Alert tone="error" testId={`${testId}-error`}>
          {task.error}
        </Alert>
      ) : null}
      {task?.status === "succeeded" && result?.hostId && result.uuid ? (
        <Link
          href={vmHref({ hostId: result.hostId, uuid: result.uuid })}
          className={buttonClasses({ size: "sm" })}
          data-testid={`${testId}-open-vm`}
        >
          {t("task.openVm", { name: result.name ?? "" })}
        </Link>
      ) : null}
    </div>
  );
}
