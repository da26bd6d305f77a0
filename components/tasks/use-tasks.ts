"use client";
import { useCallback, useEffect, useState } from "react";
import { fetchJson } from "@/components/api/fetch-json";
import type { TaskView } from "@/lib/contracts/tasks";

/** Merges changed tasks into a list kept newest first, capped at `limit`. */
export function tasksMerge(list: TaskView[], changed: TaskView[], limit: number): TaskView[] {
  const byId = new Map(list.map((t) => [t.id, t]));
  for (const t of changed) byId.set(t.id, t);
  return [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt)).slice(0, limit);
}

/**
 * The caller's recent tasks, kept live: one load, then `tasks` events from
 * /api/tasks/stream (Server-Sent Events; the browser reconnects by itself, and
 * every reconnect reloads the list so nothing missed while away stays stale).
 */
export function useTasks(opts: { limit?: number; enabled?: boolean } = {}) {
  const limit = opts.limit ?? 50;
  const enabled = opts.enabled ?? true;
  const [tasks, setTasks] = useState<TaskView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const r = await fetchJson<{ tasks: TaskView[] }>(`/api/tasks?limit=${limit}`);
      setTasks(r.tasks);
      setError(null);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    }
  }, [limit]);

  useEffect(() => {
    if (!enabled) return;
    const es = new EventSource("/api/tasks/stream");
    es.addEventListener("open", () => void reload());
    es.addEventListener("tasks", (e) => {
      const changed = JSON.parse((e as MessageEvent<string>).data) as TaskView[];
      setTasks((prev) => tasksMerge(prev ?? [], changed, limit));
    });
    return () => es.close();
  }, [enabled, limit, reload]);

  /** Applies a task the caller just received (enqueue or cancel answer) without waiting for the stream. */
  const upsert = useCallback((t: TaskView) => setTasks((prev) => tasksMerge(prev ?? [], [t], limit)), [limit]);

  return { tasks, error, reload, upsert };
}
