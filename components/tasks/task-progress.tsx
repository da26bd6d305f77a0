"use client";
import { cn } from "@/components/ui/cn";
import type { TaskStatus } from "@/lib/contracts/tasks";

const BAR: Record<TaskStatus, string> = {
  queued: "bg-slate-300 dark:bg-slate-600",
  running: "bg-indigo-500",
  succeeded: "bg-emerald-500",
  failed: "bg-red-500",
  cancelled: "bg-slate-400",
};

/** A task's progress bar (role=progressbar with its value). */
export function TaskProgress({
  status,
  progress,
  label,
  testId,
  className,
}: {
  status: TaskStatus;
  progress: number;
  label: string;
  testId?: string;
  className?: string;
}) {
  const value = Math.round(Math.max(0, Math.min(100, progress)));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      data-testid={testId}
      data-status={status}
      className={cn("h-1.5 w-full overflow-hidden rounded-full bg-slate-100 dark:bg-slate-800", className)}
    >
      <div
        className={cn(
          "h-full rounded-full transition-[width] duration-300",
          BAR[status],
          status === "running" && value === 0 && "animate-pulse",
        )}
        style={{ width: `${status === "running" && value === 0 ? 8 : value}%` }}
      />
    </div>
  );
}
