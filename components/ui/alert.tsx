"use client";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";
import { cn, focusRing } from "@/components/ui/cn";
import { CheckCircleIcon, ErrorIcon, InfoIcon, WarningIcon, XIcon } from "@/components/ui/icons";

export type AlertTone = "info" | "success" | "warning" | "error";

const TONES: Record<AlertTone, { box: string; icon: ReactNode }> = {
  info: {
    box: "bg-indigo-50 text-indigo-900 ring-indigo-200 dark:bg-indigo-500/10 dark:text-indigo-100 dark:ring-indigo-400/30",
    icon: <InfoIcon className="size-5 text-indigo-600 dark:text-indigo-300" />,
  },
  success: {
    box: "bg-emerald-50 text-emerald-900 ring-emerald-200 dark:bg-emerald-500/10 dark:text-emerald-100 dark:ring-emerald-400/30",
    icon: <CheckCircleIcon className="size-5 text-emerald-600 dark:text-emerald-300" />,
  },
  warning: {
    box: "bg-amber-50 text-amber-900 ring-amber-200 dark:bg-amber-500/10 dark:text-amber-100 dark:ring-amber-400/30",
    icon: <WarningIcon className="size-5 text-amber-600 dark:text-amber-300" />,
  },
  error: {
    box: "bg-red-50 text-red-900 ring-red-200 dark:bg-red-500/10 dark:text-red-100 dark:ring-red-400/30",
    icon: <ErrorIcon className="size-5 text-red-600 dark:text-red-300" />,
  },
};

export interface AlertProps {
  /** info (default) | success | warning | error. error and warning are announced immediately (role="alert"). */
  tone?: AlertTone;
  title?: ReactNode;
  children?: ReactNode;
  /** Shows a close button. Only from client components (it is a function). */
  onDismiss?: () => void;
  /** Extra content on the right, e.g. a "Try again" button. */
  action?: ReactNode;
  testId?: string;
  className?: string;
}

/** A banner for errors, warnings and notices: `<Alert tone="error" title="Could not reach host">{message}</Alert>`. */
export function Alert({ tone = "info", title, children, onDismiss, action, testId, className }: AlertProps) {
  const t = useTranslations("common");
  const urgent = tone === "error" || tone === "warning";
  return (
    <div
      role={urgent ? "alert" : "status"}
      data-testid={testId}
      className={cn("flex items-start gap-3 rounded-lg p-3 text-sm ring-1 ring-inset", TONES[tone].box, className)}
    >
      <span className="mt-px shrink-0">{TONES[tone].icon}</span>
      <div className="min-w-0 flex-1 space-y-1">
        {title ? <p className="font-semibold">{title}</p> : null}
        {children ? <div className="leading-6 [overflow-wrap:anywhere]">{children}</div> : null}
      </div>
      {action ? <div className="shrink-0">{action}</div> : null}
      {onDismiss ? (
        <button
          type="button"
          onClick={onDismiss}
          aria-label={t("actions.dismiss")}
          className={cn("-m-1 shrink-0 rounded-md p-1 opacity-70 hover:opacity-100", focusRing)}
        >
          <XIcon className="size-4" />
        </button>
      ) : null}
    </div>
  );
}

/** An error banner: Alert with tone="error". */
export function ErrorBanner(props: Omit<AlertProps, "tone">) {
  return <Alert tone="error" {...props} />;
}

/**
 * The outcome of a page's last action: a success `notice` and an `error` (shown as the banner's title), each
 * with a close button. Test ids are `${testId}-notice` and `${testId}-error`.
 */
export function OutcomeBanners({
  notice,
  error,
  onDismissNotice,
  onDismissError,
  testId,
}: {
  notice: ReactNode;
  error: ReactNode;
  onDismissNotice: () => void;
  onDismissError: () => void;
  testId: string;
}) {
  return (
    <>
      {notice ? (
        <Alert tone="success" testId={`${testId}-notice`} onDismiss={onDismissNotice}>
          {notice}
        </Alert>
      ) : null}
      {error ? <ErrorBanner testId={`${testId}-error`} title={error} onDismiss={onDismissError} /> : null}
    </>
  );
}
