import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/components/ui/cn";

/** A bordered surface. Compose with CardHeader, CardBody and CardFooter. */
export function Card({ className, testId, ...rest }: ComponentProps<"section"> & { testId?: string }) {
  return (
    <section
      data-testid={testId}
      className={cn(
        "rounded-xl bg-white shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800",
        className,
      )}
      {...rest}
    />
  );
}

/** Title row of a card: `title` (an h2), optional `description` and right-aligned `actions`. */
export function CardHeader({
  title,
  description,
  actions,
  className,
}: {
  title: ReactNode;
  description?: ReactNode;
  actions?: ReactNode;
  className?: string;
}) {
  return (
    <header
      className={cn(
        "flex flex-wrap items-start justify-between gap-3 border-b border-slate-200 px-5 py-4 dark:border-slate-800",
        className,
      )}
    >
      <div className="min-w-0">
        <h2 className="text-base font-semibold text-slate-900 dark:text-slate-50">{title}</h2>
        {description ? <p className="mt-1 text-sm text-slate-600 dark:text-slate-400">{description}</p> : null}
      </div>
      {actions ? <div className="flex shrink-0 items-center gap-2">{actions}</div> : null}
    </header>
  );
}

export function CardBody({ className, ...rest }: ComponentProps<"div">) {
  return <div className={cn("px-5 py-4", className)} {...rest} />;
}

/** Bottom row for form buttons, right-aligned. */
export function CardFooter({ className, ...rest }: ComponentProps<"div">) {
  return (
    <div
      className={cn(
        "flex flex-wrap items-center justify-end gap-2 border-t border-slate-200 px-5 py-3 dark:border-slate-800",
        className,
      )}
      {...rest}
    />
  );
}
