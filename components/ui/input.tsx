import type { ComponentProps } from "react";
import { cn } from "@/components/ui/cn";

const CONTROL =
  "block w-full rounded-md border-0 bg-white px-3 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 " +
  "placeholder:text-slate-400 focus:ring-2 focus:ring-indigo-600 focus:outline-none " +
  "disabled:cursor-not-allowed disabled:bg-slate-100 disabled:text-slate-500 " +
  "aria-[invalid=true]:ring-red-500 aria-[invalid=true]:focus:ring-red-600 " +
  "dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-700 dark:placeholder:text-slate-500 dark:focus:ring-indigo-400 " +
  "dark:disabled:bg-slate-800 dark:disabled:text-slate-400";

type Invalid = {
  /** Marks the control invalid (red ring, aria-invalid). <Field error> sets it for you. */
  invalid?: boolean;
  testId?: string;
};

/** A single-line text input; all native props pass through (ref too). */
export function Input({ className, invalid, testId, ...rest }: ComponentProps<"input"> & Invalid) {
  return (
    <input
      className={cn(CONTROL, "h-9", className)}
      aria-invalid={invalid || rest["aria-invalid"] || undefined}
      data-testid={testId}
      {...rest}
    />
  );
}

/** A multi-line text input. */
export function Textarea({ className, invalid, testId, rows = 4, ...rest }: ComponentProps<"textarea"> & Invalid) {
  return (
    <textarea
      rows={rows}
      className={cn(CONTROL, "py-2", className)}
      aria-invalid={invalid || rest["aria-invalid"] || undefined}
      data-testid={testId}
      {...rest}
    />
  );
}

/** A native select, styled like Input. Pass <option> children. */
export function Select({ className, invalid, testId, ...rest }: ComponentProps<"select"> & Invalid) {
  return (
    <select
      className={cn(CONTROL, "h-9 pr-8", className)}
      aria-invalid={invalid || rest["aria-invalid"] || undefined}
      data-testid={testId}
      {...rest}
    />
  );
}
