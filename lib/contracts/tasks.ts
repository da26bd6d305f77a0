/**
 * The tasks API's wire types: what /api/tasks returns and the browser reads.
 * Types and constants only: safe to import from client components.
 */
export const TASK_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task as the API shows it. Dates are ISO 8601 strings. */
export interface TaskView {
  id: string;
  kind: string;
  /** English title (API clients, audit, rows older than translated titles). */
  title: string;
  /** The title as a key of the "tasks" catalogue and its ICU arguments; null on older rows. */
  titleKey: string | null;
  titleParams: Record<string, string | number> | null;
  status: TaskStatus;
  /** 0..100 */
  progress: number;
  /** English status message (API clients, rows older than translated messages). */
  message: string;
  /** The message as a key of the "tasks" catalogue and its ICU arguments; null on older rows. */
  messageKey: string | null;
  messageParams: Record<string, string | number> | null;
  hostId: string | null;
  vmUuid: string | null;
  userId: string | null;
  username: string;
  cancellable: boolean;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

export interface TaskLogLine {
  id: string;
  at: string;
  /** English line (API clients, rows older than translated lines). */
  line: string;
  /** The line as a key of the "tasks" catalogue and its ICU arguments; null on older rows. */
  lineKey: string | null;
  lineParams: Record<string, string | number> | null;
}

export interface TaskDetail extends TaskView {
  logs: TaskLogLine[];
}

export function taskIsFinished(status: TaskStatus): boolean {
  return status === "succeeded" || status === "failed" || status === "cancelled";
}
