"use client";

import { useCallback, useEffect } from "react";
import useSWRSubscription from "swr/subscription";
import { fetchJson, toApiError, type ApiError } from "@/components/api/fetch-json";
import { enc, useApi, usePatch } from "@/components/data/use-api";
import { taskIsFinished, type TaskDetail, type TaskLogLine, type TaskView } from "@/lib/contracts/tasks";

/** Merges changed tasks into a list kept newest first, capped at `limit`. */
export function tasksMerge(list: TaskView[], changed: TaskView[], limit: number): TaskView[] {
  const byId = new Map(list.map((t) => [t.id, t]));
  for (const t of changed) byId.set(t.id, t);
  return [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

/**
 * The caller's recent tasks (GET /api/tasks), kept live: `tasks` events of /api/tasks/stream (Server-Sent
 * Events) merge into the cache, and every (re)connect revalidates so nothing missed while away stays stale.
 */
export function useTasks(opts: { limit?: number; enabled?: boolean } = {}) {
  const limit = opts.limit ?? 50;
  const enabled = opts.enabled ?? true;
  const path = enabled ? `/api/tasks?limit=${limit}` : null;
  const swr = useApi<{ tasks: TaskView[] }>(path, {
    // The stream's open event does the first load: no second request on mount.
    revalidateOnMount: false,
  });
  const { mutate } = swr;
  const patch = usePatch(path, mutate);

  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource("/api/tasks/stream");
    es.addEventListener("open", () => void mutate());
    es.addEventListener("tasks", (e) => {
      const changed = JSON.parse((e as MessageEvent<string>).data) as TaskView[];
      if (!patch((d) => ({ tasks: tasksMerge(d.tasks, changed, limit) }))) void mutate();
    });
    return () => es.close();
  }, [enabled, limit, mutate, patch]);

  /** Applies a task the caller just received (enqueue or cancel answer) without waiting for the stream. */
  const upsert = useCallback(
    (t: TaskView) => {
      if (!patch((d) => ({ tasks: tasksMerge(d.tasks, [t], limit) }))) void mutate();
    },
    [patch, mutate, limit],
  );

  return {
    tasks: swr.data?.tasks ?? null,
    error: swr.error?.message ?? null,
    reload: () => void mutate(),
    upsert,
  };
}

const TASK_POLL_MS = 700;

/** One task (GET /api/tasks/:id), polled while it is queued or running; null id: none yet. */
export function useTask(taskId: string | null) {
  const swr = useApi<{ task: TaskView }>(taskId ? `/api/tasks/${enc(taskId)}` : null, {
    refreshInterval: (d) => (d && taskIsFinished(d.task.status) ? 0 : TASK_POLL_MS),
    shouldRetryOnError: true,
    errorRetryInterval: 2000,
  });
  const { mutate } = swr;
  /** Shows a task the caller just received (a cancel's answer) without waiting for the next poll. */
  const update = useCallback((task: TaskView) => void mutate({ task }, { revalidate: false }), [mutate]);
  return { task: swr.data?.task ?? null, error: swr.error ?? null, update };
}

const LOG_POLL_MS = 1500;

/**
 * A task's log lines, followed while the task runs: SWR's subscription keeps them in the cache; each poll
 * asks only for the lines after the last one seen (`logsAfter`).
 */
export function useTaskLog(taskId: string, finished: boolean) {
  return useSWRSubscription<TaskLogLine[], ApiError, [string, string, boolean]>(
    ["task-log", taskId, finished],
    ([, id, done], { next }) => {
      let stop = false;
      let last: string | null = null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const lines: TaskLogLine[] = [];
      const poll = async () => {
        try {
          const q = last ? `?logsAfter=${last}` : "";
          const r = await fetchJson<{ task: TaskDetail }>(`/api/tasks/${enc(id)}${q}`);
          if (stop) return;
          if (r.task.logs.length) {
            last = r.task.logs.at(-1)!.id;
            lines.push(...r.task.logs);
          }
          next(null, [...lines]);
        } catch (err) {
          if (!stop) next(toApiError(err));
        }
        if (!stop && !done) timer = setTimeout(poll, LOG_POLL_MS);
      };
      void poll();
      return () => {
        stop = true;
        clearTimeout(timer);
      };
    },
  );
}
