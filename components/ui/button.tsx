import type { ComponentProps } from "react";
import { cn, focusRing } from "@/components/ui/cn";

export type ButtonVariant = "primary" | "secondary" | "danger" | "ghost" | "ghost-danger";
export type ButtonSize = "sm" | "md" | "icon";

const GHOST =
  "text-slate-700 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50";

const VARIANTS: Record<ButtonVariant, string> = {
  // Disabled, a filled button turns grey: the colour is kept for what can be done now.
  primary:
    "bg-indigo-600 text-white shadow-sm hover:bg-indigo-500 active:bg-indigo-700 disabled:bg-slate-200 disabled:text-slate-600 disabled:shadow-none dark:disabled:bg-slate-800 dark:disabled:text-slate-400",
  secondary:
    "bg-white text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 dark:bg-slate-800 dark:text-slate-100 dark:ring-slate-700 dark:hover:bg-slate-700",
  danger:
    "bg-red-600 text-white shadow-sm hover:bg-red-500 active:bg-red-700 disabled:bg-slate-200 disabled:text-slate-600 disabled:shadow-none dark:disabled:bg-slate-800 dark:disabled:text-slate-400",
  ghost: GHOST,
  // A destructive action in a row of ghost buttons (Delete, Remove, Revoke).
  "ghost-danger": `${GHOST} text-red-700 dark:text-red-300`,
};

const SIZES: Record<ButtonSize, string> = {
  sm: "h-8 gap-1.5 px-3 text-sm",
  md: "h-9 gap-2 px-4 text-sm",
  icon: "size-9 justify-center",
};

/** Button classes, for styling a <Link> or <a> like a button. */
export function buttonClasses({
  variant = "primary",
  size = "md",
  className,
}: { variant?: ButtonVariant; size?: ButtonSize; className?: string } = {}) {
  return cn(
    "inline-flex shrink-0 items-center justify-center rounded-md font-medium whitespace-nowrap transition-colors",
    "disabled:cursor-not-allowed disabled:opacity-50 aria-disabled:cursor-not-allowed aria-disabled:opacity-50",
    focusRing,
    VARIANTS[variant],
    SIZES[size],
    className,
  );
}

export type ButtonProps = ComponentProps<"button"> & {
  /** primary (default) | secondary | danger | ghost | ghost-danger */
  variant?: ButtonVariant;
  /** sm | md (default) | icon (square; give it an aria-label) */
  size?: ButtonSize;
  /** Shows a spinner, disables the button and sets aria-busy. */
  loading?: boolean;
  testId?: string;
};

/** A button. `type` defaults to "button" so it never submits a form by accident. */
export function Button({
  variant,
  size,
  loading = false,
  disabled,
  className,
  children,
  testId,
  type = "button",
  ...rest
}: ButtonProps) {
  return (
    <button
      type={type}
      disabled={disabled || loading}
      aria-busy={loading || undefined}
      data-testid={testId}
      className={buttonClasses({ variant, size, className })}
      {...rest}
    >
      {loading ? <Spinner /> : null}
      {children}
    </button>
  );
}

/** A small spinning circle in the current text color. */
export function Spinner({ className = "size-4" }: { className?: string }) {
  return (
    <svg viewBox="0 0 24 24" className={cn("animate-spin", className)} fill="none" aria-hidden="true">
      <circle cx="12" cy="12" r="9" stroke="currentColor" strokeOpacity="0.25" strokeWidth="3" />
      <path d="M21 12a9 9 0 0 0-9-9" stroke="currentColor" strokeWidth="3" strokeLinecap="round" />
    </svg>
  );
}
