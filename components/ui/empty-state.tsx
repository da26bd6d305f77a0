import type { ReactNode } from "react";
import { cn } from "@/components/ui/cn";

export interface EmptyStateProps {
  /** An icon from components/ui/icons, shown in a tinted tile. */
  icon: ReactNode;
  title: ReactNode;
  /** One or two sentences: what will be here and what to do first. */
  description: ReactNode;
  /** The primary action (a Button or a Link styled with buttonClasses). */
  action?: ReactNode;
  /** A secondary action shown next to the primary one. */
  secondaryAction?: ReactNode;
  /** Small print under the actions. */
  footnote?: ReactNode;
  testId?: string;
  className?: string;
}

/** What a list shows before it has anything in it. The title is an h2. */
export function EmptyState({
  icon,
  title,
  description,
  action,
  secondaryAction,
  footnote,
  testId,
  className,
}: EmptyStateProps) {
  return (
    <div
      data-testid={testId}
      className={cn(
        "flex flex-col items-center rounded-xl border border-dashed border-slate-300 bg-white/60 px-6 py-12 text-center sm:py-16",
        "dark:border-slate-700 dark:bg-slate-900/40",
        className,
      )}
    >
      <div className="relative mb-5" aria-hidden="true">
        <div className="absolute -inset-3 rounded-3xl bg-indigo-500/10 blur-md dark:bg-indigo-400/10" />
        <div className="relative flex size-16 items-center justify-center rounded-2xl bg-linear-to-br from-indigo-50 to-white text-indigo-600 shadow-sm ring-1 ring-indigo-100 dark:from-indigo-500/20 dark:to-slate-900 dark:text-indigo-300 dark:ring-indigo-400/20 [&_svg]:size-8">
          {icon}
        </div>
      </div>
      <h2 className="text-lg font-semibold text-slate-900 dark:text-slate-50">{title}</h2>
      <p className="mt-2 max-w-md text-sm leading-6 text-slate-600 dark:text-slate-400">{description}</p>
      {action || secondaryAction ? (
        <div className="mt-6 flex flex-wrap items-center justify-center gap-3">
          {action}
          {secondaryAction}
        </div>
      ) : null}
      {footnote ? <p className="mt-3 text-xs text-slate-500 dark:text-slate-400">{footnote}</p> : null}
    </div>
  );
}
