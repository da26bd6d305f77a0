"use client";
import Link from "next/link";
import * as Popover from "@radix-ui/react-popover";
import { useState } from "react";
import { useTranslations } from "use-intl";
import { cn, focusRing } from "@/components/ui/cn";
import { XIcon } from "@/components/ui/icons";
import { taskIsFinished } from "@/lib/contracts/tasks";
import { TaskRow } from "./task-row";
import { useTasks } from "@/components/data/use-tasks";

export function ActivityIcon({ className }: { className?: string }) {
  return (
    <svg
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.75}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      className={className}
    >
      <path d="M3 12h4l3-8 4 16 3-8h4" />
    </svg>
  );
}

/**
 * The top bar's task button and panel: a count of running tasks, and the
 * caller's recent tasks with live progress, cancel and a link to /tasks.
 */
export function TaskDrawer() {
  const t = useTranslations("tasks");
  const [open, setOpen] = useState(false);
  const { tasks, error, upsert } = useTasks({ limit: 15 });
  const active = (tasks ?? []).filter((x) => !taskIsFinished(x.status)).length;

  // Radix UI Popover: Escape and a click outside close it, focus returns to the button, the panel stays on screen.
  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger
        aria-label={t("drawer.open", { count: active })}
        data-testid="task-drawer-open"
        className={cn(
          "relative rounded-md p-2 text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50",
          focusRing,
        )}
      >
        <ActivityIcon className="size-5" />
        {active ? (
          <span
            data-testid="task-drawer-count"
            className="absolute -top-0.5 -right-0.5 flex size-4 items-center justify-center rounded-full bg-indigo-600 text-[10px] font-semibold text-white"
          >
            {active}
          </span>
        ) : null}
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content
          aria-label={t("drawer.title")}
          data-testid="task-drawer"
          align="end"
          sideOffset={8}
          collisionPadding={8}
          className="z-40 max-h-[70vh] w-[calc(100vw-1rem)] overflow-hidden rounded-lg border border-slate-200 bg-white shadow-xl focus:outline-none sm:w-[26rem] dark:border-slate-700 dark:bg-slate-900"
        >
          <div className="flex items-center justify-between border-b border-slate-200 px-4 py-2 dark:border-slate-800">
            <h2 className="text-sm font-semibold text-slate-900 dark:text-slate-100">{t("drawer.title")}</h2>
            <div className="flex items-center gap-1">
              <Link
                href="/tasks"
                onClick={() => setOpen(false)}
                className={cn(
                  "rounded px-2 py-1 text-xs font-medium text-indigo-700 hover:underline dark:text-indigo-300",
                  focusRing,
                )}
                data-testid="task-drawer-all"
              >
                {t("drawer.viewAll")}
              </Link>
              <Popover.Close
                aria-label={t("drawer.close")}
                className={cn("rounded-md p-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800", focusRing)}
              >
                <XIcon className="size-4" />
              </Popover.Close>
            </div>
          </div>
          {/* Focusable so the list scrolls from the keyboard even when no row holds a link or button. */}
          <div
            className={cn("max-h-[calc(70vh-2.5rem)] overflow-y-auto", focusRing)}
            tabIndex={0}
            role="region"
            aria-label={t("drawer.title")}
          >
            {error ? (
              <p className="px-4 py-3 text-sm text-red-700 dark:text-red-300" role="alert">
                {error}
              </p>
            ) : null}
            {tasks === null && !error ? (
              <p className="px-4 py-6 text-sm text-slate-500 dark:text-slate-400">{t("loading")}</p>
            ) : null}
            {tasks?.length === 0 ? (
              <p
                className="px-4 py-6 text-center text-sm text-slate-500 dark:text-slate-400"
                data-testid="task-drawer-empty"
              >
                {t("empty.title")}
              </p>
            ) : null}
            <ul className="divide-y divide-slate-100 dark:divide-slate-800">
              {tasks?.map((task) => (
                <TaskRow key={task.id} task={task} onChanged={upsert} />
              ))}
            </ul>
          </div>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}
