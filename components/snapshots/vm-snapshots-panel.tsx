"use client";

import { useEffect, useState } from "react";
import { useFormatter, useTranslations } from "use-intl";
import { enc } from "@/components/data/use-api";
import { useSnapshots } from "@/components/data/use-snapshots";
import { useTask } from "@/components/data/use-tasks";
import { TaskProgress } from "@/components/tasks/task-progress";
import { useTaskMessage } from "@/components/tasks/task-title";
import { SnapshotSchedules } from "@/components/snapshots/snapshot-schedules";
import { CreateDialog, DeleteDialog, EditDialog, RevertDialog } from "@/components/snapshots/snapshot-dialogs";
import { Alert, ErrorBanner } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button, Spinner } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { taskIsFinished } from "@/lib/contracts/tasks";
import type { SnapshotView } from "@/lib/contracts/snapshot";

interface Node {
  s: SnapshotView;
  depth: number;
}

/** Parents before children, each child under its parent (depth for the indent). */
export function snapshotTree(list: SnapshotView[]): Node[] {
  const byParent = new Map<string | null, SnapshotView[]>();
  const names = new Set(list.map((s) => s.name));
  for (const s of list) {
    const p = s.parent && names.has(s.parent) ? s.parent : null;
    byParent.set(p, [...(byParent.get(p) ?? []), s]);
  }
  const out: Node[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of byParent.get(parent) ?? []) {
      out.push({ s, depth });
      walk(s.name, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/**
 * A VM's snapshots on its page: the tree (parent/child, the current one marked) with name,
 * description, time, state, memory, disk-only/full and internal/external; for holders of vm.snapshot
 * create, revert (running or paused after), delete (leaf, subtree, or merge into parent) and edit.
 * Long work runs as a task: its progress shows here until it ends.
 */
export function VmSnapshotsPanel({
  hostId,
  uuid,
  canSnapshot,
}: {
  hostId: string;
  uuid: string;
  canSnapshot: boolean;
}) {
  const t = useTranslations("snapshots");
  const format = useFormatter();
  const list = useSnapshots(hostId, uuid);
  const base = `/api/vms/${enc(hostId)}/${enc(uuid)}/snapshots`;
  const [taskId, setTaskId] = useState<string | null>(null);
  const { task } = useTask(taskId);
  const taskMessage = useTaskMessage();
  const [creating, setCreating] = useState(false);
  const [reverting, setReverting] = useState<SnapshotView | null>(null);
  const [deleting, setDeleting] = useState<SnapshotView | null>(null);
  const [editing, setEditing] = useState<SnapshotView | null>(null);
  const reload = list.reload;

  const finished = task ? taskIsFinished(task.status) : false;
  useEffect(() => {
    if (finished) void reload();
  }, [finished, reload]);

  const started = (id: string) => setTaskId(id);
  const running = task !== null && !finished;
  const nodes = list.data ? snapshotTree(list.data.snapshots) : null;

  return (
    <div className="mt-6" data-testid="vm-snapshots-panel">
      <Card>
        <CardHeader
          title={t("title")}
          description={t("description")}
          actions={
            canSnapshot ? (
              <Button
                size="sm"
                testId="snapshot-create-open"
                disabled={!list.data || running}
                onClick={() => setCreating(true)}
              >
                {t("create.open")}
              </Button>
            ) : null
          }
        />
        <div className="space-y-3 px-5 pb-5">
          {list.error ? (
            <ErrorBanner
              testId="snapshots-load-error"
              action={
                <Button size="sm" variant="secondary" onClick={() => void reload()}>
                  {t("retry")}
                </Button>
              }
            >
              {list.error.message}
            </ErrorBanner>
          ) : null}
          {task ? (
            <div data-testid="snapshot-task" data-status={task.status} className="space-y-1.5">
              <p className="text-sm text-slate-700 dark:text-slate-300">{taskMessage(task) || t("task.queued")}</p>
              <TaskProgress status={task.status} progress={task.progress} label={t("task.progress")} />
              {task.status === "failed" ? (
                <Alert tone="error" testId="snapshot-task-error" onDismiss={() => setTaskId(null)}>
                  {task.error}
                </Alert>
              ) : null}
            </div>
          ) : null}
          {list.loading && !nodes ? (
            <p className="flex items-center gap-2 text-sm text-slate-600 dark:text-slate-400">
              <Spinner /> {t("loading")}
            </p>
          ) : null}
          {nodes && nodes.length === 0 ? (
            <p className="text-sm text-slate-600 dark:text-slate-400" data-testid="snapshots-empty">
              {canSnapshot ? t("empty.canCreate") : t("empty.none")}
            </p>
          ) : null}
          {nodes && nodes.length > 0 ? (
            <ul role="tree" aria-label={t("title")} className="space-y-2" data-testid="snapshot-tree">
              {nodes.map(({ s, depth }) => (
                <li
                  key={s.name}
                  role="treeitem"
                  aria-level={depth + 1}
                  aria-selected={s.current}
                  data-testid="snapshot-node"
                  data-name={s.name}
                  data-parent={s.parent ?? ""}
                  data-current={s.current}
                  style={{ marginInlineStart: `${Math.min(depth, 6) * 1.25}rem` }}
                  className={
                    "rounded-lg border p-3 " +
                    (s.current
                      ? "border-indigo-300 bg-indigo-50/60 dark:border-indigo-500/40 dark:bg-indigo-500/10"
                      : "border-slate-200 dark:border-slate-800")
                  }
                >
                  <div className="flex flex-col gap-2 sm:flex-row sm:items-start sm:justify-between">
                    <div className="min-w-0 space-y-1">
                      <div className="flex flex-wrap items-center gap-2">
                        {depth > 0 ? (
                          <span aria-hidden="true" className="text-slate-400">
                            ↳
                          </span>
                        ) : null}
                        <span className="font-medium [overflow-wrap:anywhere] text-slate-900 dark:text-slate-100">
                          {s.name}
                        </span>
                        {s.current ? (
                          <Badge tone="info" testId="snapshot-current">
                            {t("badge.current")}
                          </Badge>
                        ) : null}
                        <Badge tone={s.location === "internal" ? "neutral" : "warning"}>
                          {t(`location.${s.location}`)}
                        </Badge>
                        <Badge>{s.diskOnly ? t("badge.diskOnly") : t("badge.full")}</Badge>
                        <Badge tone={s.memory ? "success" : "neutral"}>
                          {s.memory ? t("badge.memory") : t("badge.noMemory")}
                        </Badge>
                        {s.scheduled ? <Badge tone="info">{t("badge.scheduled")}</Badge> : null}
                      </div>
                      {s.description ? (
                        <p className="text-sm whitespace-pre-wrap [overflow-wrap:anywhere] text-slate-700 dark:text-slate-300">
                          {s.description}
                        </p>
                      ) : null}
                      <p className="text-xs text-slate-600 dark:text-slate-400">
                        {s.createdAt ? (
                          <time dateTime={s.createdAt}>
                            {format.dateTime(new Date(s.createdAt), { dateStyle: "medium", timeStyle: "short" })}
                          </time>
                        ) : null}
                        {s.state ? (
                          <>
                            {" "}
                            · {t("takenWhile", { state: t.has(`state.${s.state}`) ? t(`state.${s.state}`) : s.state })}
                          </>
                        ) : null}
                      </p>
                    </div>
                    {canSnapshot ? (
                      <div className="flex shrink-0 flex-wrap gap-2">
                        <Button
                          size="sm"
                          variant="secondary"
                          disabled={running}
                          testId="snapshot-revert"
                          onClick={() => setReverting(s)}
                        >
                          {t("revert.open")}
                        </Button>
                        <Button
                          size="sm"
                          variant="secondary"
                          disabled={running}
                          testId="snapshot-edit"
                          onClick={() => setEditing(s)}
                        >
                          {t("edit.open")}
                        </Button>
                        <Button
                          size="sm"
                          variant="danger"
                          disabled={running}
                          testId="snapshot-delete"
                          onClick={() => setDeleting(s)}
                        >
                          {t("delete.open")}
                        </Button>
                      </div>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          ) : null}
          <SnapshotSchedules hostId={hostId} uuid={uuid} canSnapshot={canSnapshot} />
        </div>
      </Card>

      {creating && list.data ? (
        <CreateDialog
          base={base}
          caps={list.data.capabilities}
          onClose={() => setCreating(false)}
          onStarted={started}
        />
      ) : null}
      {reverting && list.data ? (
        <RevertDialog
          base={base}
          snapshot={reverting}
          caps={list.data.capabilities}
          onClose={() => setReverting(null)}
          onStarted={started}
        />
      ) : null}
      {deleting ? (
        <DeleteDialog base={base} snapshot={deleting} onClose={() => setDeleting(null)} onStarted={started} />
      ) : null}
      {editing ? (
        <EditDialog base={base} snapshot={editing} onClose={() => setEditing(null)} onSaved={() => void reload()} />
      ) : null}
    </div>
  );
}
