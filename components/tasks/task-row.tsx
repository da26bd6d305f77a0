"use client";
import { useFormatter, useNow, useTranslations } from "use-intl";
import { fetchJson } from "@/components/api/fetch-json";
import { useApiCall } from "@/components/api/use-action";
import { Button } from "@/components/ui/button";
import { taskIsFinished, type TaskView } from "@/lib/contracts/tasks";
import { TaskProgress } from "./task-progress";
import { TaskStatusBadge } from "./task-status-badge";
import { useTaskMessage, useTaskTitle } from "./task-title";

/** Cancels a task through the API; returns the task as the server now sees it. */
export async function taskCancelRequest(id: string): Promise<TaskView> {
  const r = await fetchJson<{ task: TaskView }>(`/api/tasks/${id}/cancel`, { method: "POST" });
  return r.task;
}

/** One task in a compact list: title, status, progress bar, message or error, cancel. */
export function TaskRow({ task, onChanged }: { task: TaskView; onChanged: (t: TaskView) => void }) {
  const t = useTranslations("tasks");
  const title = useTaskTitle()(task);
  const message = useTaskMessage()(task);
  const format = useFormatter();
  // relativeTime needs a "now": without one use-intl logs an ENVIRONMENT_FALLBACK error on every render.
  const now = useNow({ updateInterval: 30_000 });
  const { busy, error: failure, call } = useApiCall();
  const error = failure?.message ?? null;
  const finished = taskIsFinished(task.status);

  function cancel() {
    void call(async () => onChanged(await taskCancelRequest(task.id)));
  }

  return (
    <li
      className="space-y-1.5 px-4 py-3"
      data-testid="task-row"
      data-task-id={task.id}
      data-task-kind={task.kind}
      data-status={task.status}
    >
      <div className="flex items-start justify-between gap-2">
        <div className="min-w-0">
          <p
            className="truncate text-sm font-medium text-slate-900 dark:text-slate-100"
            title={title}
            data-testid="task-title"
          >
            {title}
          </p>
          <p className="text-xs text-slate-500 dark:text-slate-400">
            {format.relativeTime(new Date(task.createdAt), now)}
            {task.username ? ` · ${task.username}` : ""}
          </p>
        </div>
        <div className="flex shrink-0 items-center gap-1.5">
          <TaskStatusBadge status={task.status} testId="task-status" />
          {!finished && task.cancellable ? (
            <Button
              size="sm"
              variant="ghost"
              loading={busy}
              disabled={task.cancelRequested}
              onClick={cancel}
              testId="task-cancel"
            >
              {task.cancelRequested ? t("cancelling") : t("cancel")}
            </Button>
          ) : null}
        </div>
      </div>
      <TaskProgress
        status={task.status}
        progress={task.progress}
        label={t("progressLabel", { title })}
        testId="task-progress"
      />
      <p className="flex justify-between gap-2 text-xs text-slate-600 dark:text-slate-400">
        <span className="min-w-0 truncate" data-testid="task-message" title={task.error ?? message}>
          {task.status === "failed" ? <span className="text-red-700 dark:text-red-300">{task.error}</span> : message}
        </span>
        {!finished ? (
          <span data-testid="task-percent">{t("percent", { value: Math.floor(task.progress) })}</span>
        ) : null}
      </p>
      {error ? (
        <p className="text-xs text-red-700 dark:text-red-300" role="alert">
          {error}
        </p>
      ) : null}
    </li>
  );
}
