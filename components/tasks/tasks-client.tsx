"use client";
import { useState } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { ApiError } from "@/components/api/fetch-json";
import { PageHeader } from "@/components/shell/page-header";
import { ErrorBanner } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Select } from "@/components/ui/input";
import { taskIsFinished, type TaskView } from "@/lib/contracts/tasks";
import { ActivityIcon } from "./task-drawer";
import { TaskProgress } from "./task-progress";
import { taskCancelRequest } from "./task-row";
import { TaskStatusBadge } from "./task-status-badge";
import { useTaskKind, useTaskLogLine, useTaskMessage, useTaskTitle } from "./task-title";
import { useTaskLog, useTasks } from "@/components/data/use-tasks";

type Filter = "all" | "active" | "finished";

/** A task's log, followed while the task runs. */
function TaskLog({ task }: { task: TaskView }) {
  const t = useTranslations("tasks");
  const lineOf = useTaskLogLine();
  const log = useTaskLog(task.id, taskIsFinished(task.status));
  const lines = log.data ?? [];
  const error = log.error?.message ?? null;

  return (
    <div className="mt-3">
      {error ? (
        <p className="text-xs text-red-700" role="alert">
          {error}
        </p>
      ) : null}
      {lines.length ? (
        <pre
          data-testid="task-log"
          className="max-h-64 overflow-auto rounded-md bg-slate-950 p-3 font-mono text-xs leading-5 text-slate-100"
        >
          {lines.map((l) => `${new Date(l.at).toLocaleTimeString()}  ${lineOf(l)}`).join("\n")}
        </pre>
      ) : (
        <p className="text-xs text-slate-500 dark:text-slate-400" data-testid="task-log-empty">
          {t("log.empty")}
        </p>
      )}
    </div>
  );
}

export function TasksClient() {
  const t = useTranslations("tasks");
  const titleOf = useTaskTitle();
  const messageOf = useTaskMessage();
  const kindOf = useTaskKind();
  const format = useFormatter();
  const { tasks, error, upsert } = useTasks({ limit: 100 });
  const [filter, setFilter] = useState<Filter>("all");
  const [openId, setOpenId] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);

  const shown = (tasks ?? []).filter((x) => filter === "all" || (filter === "active") !== taskIsFinished(x.status));

  async function cancel(task: TaskView) {
    setActionError(null);
    try {
      upsert(await taskCancelRequest(task.id));
    } catch (err) {
      setActionError(err instanceof ApiError ? err.message : String(err));
    }
  }

  return (
    <>
      <PageHeader
        title={t("title")}
        description={t("description")}
        actions={
          <Select
            value={filter}
            onChange={(e) => setFilter(e.target.value as Filter)}
            aria-label={t("filter.label")}
            testId="tasks-filter"
          >
            <option value="all">{t("filter.all")}</option>
            <option value="active">{t("filter.active")}</option>
            <option value="finished">{t("filter.finished")}</option>
          </Select>
        }
      />
      {error ? <ErrorBanner className="mb-4">{error}</ErrorBanner> : null}
      {actionError ? (
        <ErrorBanner className="mb-4" onDismiss={() => setActionError(null)}>
          {actionError}
        </ErrorBanner>
      ) : null}
      {tasks !== null && shown.length === 0 ? (
        <EmptyState
          testId="tasks-empty"
          icon={<ActivityIcon />}
          title={t("empty.title")}
          description={t("empty.body")}
        />
      ) : (
        <Card>
          <ul className="divide-y divide-slate-100 dark:divide-slate-800" data-testid="tasks-list">
            {shown.map((task) => (
              <li
                key={task.id}
                className="px-4 py-3"
                data-testid="tasks-item"
                data-task-id={task.id}
                data-status={task.status}
              >
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <div className="min-w-0">
                    <p className="truncate text-sm font-medium text-slate-900 dark:text-slate-100">{titleOf(task)}</p>
                    <p className="text-xs text-slate-500 dark:text-slate-400">
                      {t("meta", {
                        kind: kindOf(task.kind),
                        user: task.username || "—",
                        when: format.dateTime(new Date(task.createdAt), { dateStyle: "short", timeStyle: "medium" }),
                      })}
                    </p>
                  </div>
                  <div className="flex items-center gap-2">
                    <TaskStatusBadge status={task.status} testId="tasks-item-status" />
                    {!taskIsFinished(task.status) && task.cancellable ? (
                      <Button
                        size="sm"
                        variant="secondary"
                        disabled={task.cancelRequested}
                        onClick={() => cancel(task)}
                        testId="tasks-item-cancel"
                      >
                        {task.cancelRequested ? t("cancelling") : t("cancel")}
                      </Button>
                    ) : null}
                    <Button
                      size="sm"
                      variant="ghost"
                      aria-expanded={openId === task.id}
                      onClick={() => setOpenId(openId === task.id ? null : task.id)}
                      testId="tasks-item-toggle"
                    >
                      {openId === task.id ? t("log.hide") : t("log.show")}
                    </Button>
                  </div>
                </div>
                <TaskProgress
                  className="mt-2"
                  status={task.status}
                  progress={task.progress}
                  label={t("progressLabel", { title: titleOf(task) })}
                  testId="tasks-item-progress"
                />
                <p className="mt-1 text-xs text-slate-600 dark:text-slate-400" data-testid="tasks-item-message">
                  {task.status === "failed" ? (
                    <span className="text-red-700 dark:text-red-300">{task.error}</span>
                  ) : (
                    messageOf(task)
                  )}
                  {!taskIsFinished(task.status) ? ` · ${t("percent", { value: Math.floor(task.progress) })}` : ""}
                </p>
                {openId === task.id ? <TaskLog task={task} /> : null}
              </li>
            ))}
          </ul>
        </Card>
      )}
    </>
  );
}
