"use client";
import * as RadixDialog from "@radix-ui/react-dialog";
import type { ReactNode } from "react";
import { useTranslations } from "use-intl";
import { Button } from "@/components/ui/button";
import { Alert } from "@/components/ui/alert";
import { cn, focusRing } from "@/components/ui/cn";
import { XIcon } from "@/components/ui/icons";

export interface DialogProps {
  open: boolean;
  /** Called on Escape, backdrop click and the close button. */
  onClose: () => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  /** Buttons row at the bottom (right-aligned). */
  footer?: ReactNode;
  /** sm (confirmations) | md (default, forms) | lg */
  size?: "sm" | "md" | "lg";
  /** alertdialog: a confirmation that interrupts the work (ConfirmDialog), announced as such. */
  role?: "dialog" | "alertdialog";
  testId?: string;
}

const SIZES = { sm: "max-w-md", md: "max-w-lg", lg: "max-w-2xl" };

/**
 * A modal dialog on Radix UI's Dialog: focus is trapped inside and returns to where it was on close, the
 * rest of the page is hidden from screen readers, Escape and a click on the backdrop close it, and the
 * title and description label it. Mark the element that should get focus on open with `data-autofocus`
 * (else the first focusable element gets it).
 */
export function Dialog({
  open,
  onClose,
  title,
  description,
  children,
  footer,
  size = "md",
  role = "dialog",
  testId,
}: DialogProps) {
  const t = useTranslations("common");
  return (
    <RadixDialog.Root
      open={open}
      onOpenChange={(next) => {
        // The parent owns `open`: it decides (a pending form ignores the request).
        if (!next) onClose();
      }}
    >
      <RadixDialog.Portal>
        <RadixDialog.Overlay className="fixed inset-0 z-50 bg-slate-950/50 backdrop-blur-[1px]" />
        <RadixDialog.Content
          role={role}
          data-testid={testId}
          // Without a description, say so (Radix then sets no aria-describedby).
          {...(description ? {} : { "aria-describedby": undefined })}
          onOpenAutoFocus={(e) => {
            const marked = (e.currentTarget as HTMLElement | null)?.querySelector<HTMLElement>("[data-autofocus]");
            if (marked) {
              e.preventDefault();
              marked.focus();
            }
          }}
          className={cn(
            "fixed top-1/2 left-1/2 z-50 flex max-h-[85dvh] w-[calc(100%-2rem)] -translate-x-1/2 -translate-y-1/2 flex-col",
            "rounded-xl bg-white p-0 text-slate-900 shadow-xl ring-1 ring-slate-200 focus:outline-none",
            "dark:bg-slate-900 dark:text-slate-100 dark:ring-slate-800",
            SIZES[size],
          )}
        >
          <div className="flex items-start gap-3 px-5 pt-5">
            <div className="min-w-0 flex-1">
              <RadixDialog.Title className="text-base font-semibold">{title}</RadixDialog.Title>
              {description ? (
                <RadixDialog.Description className="mt-1 text-sm text-slate-600 dark:text-slate-400">
                  {description}
                </RadixDialog.Description>
              ) : null}
            </div>
            <button
              type="button"
              onClick={onClose}
              aria-label={t("actions.close")}
              className={cn(
                "-mr-1 rounded-md p-1 text-slate-500 hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-slate-100",
                focusRing,
              )}
            >
              <XIcon className="size-5" />
            </button>
          </div>
          {children ? <div className="overflow-y-auto px-5 pt-4 pb-1 text-sm">{children}</div> : null}
          {footer ? (
            <div className="flex flex-wrap justify-end gap-2 px-5 pt-4 pb-5">{footer}</div>
          ) : (
            <div className="pb-5" />
          )}
        </RadixDialog.Content>
      </RadixDialog.Portal>
    </RadixDialog.Root>
  );
}

export interface FormDialogProps extends Omit<DialogProps, "footer"> {
  /** The id of the <form> in the children: the submit button submits it. */
  formId: string;
  submitLabel: ReactNode;
  /** Defaults to "Cancel". */
  cancelLabel?: ReactNode;
  /** While true the submit button spins, Cancel is disabled and Escape/backdrop do nothing. */
  pending?: boolean;
  submitTestId?: string;
  cancelTestId?: string;
}

/**
 * A dialog around a form: `<FormDialog formId="x-form" submitLabel="Save" ...><form id="x-form" ...></FormDialog>`.
 * The footer is Cancel + a submit button tied to the form by `form=`, so Enter in a field submits too.
 */
export function FormDialog({
  formId,
  submitLabel,
  cancelLabel,
  pending = false,
  submitTestId,
  cancelTestId,
  onClose,
  ...dialog
}: FormDialogProps) {
  const t = useTranslations("common");
  return (
    <Dialog
      {...dialog}
      onClose={() => (pending ? undefined : onClose())}
      footer={
        <>
          <Button variant="secondary" onClick={onClose} disabled={pending} testId={cancelTestId}>
            {cancelLabel ?? t("actions.cancel")}
          </Button>
          <Button type="submit" form={formId} loading={pending} testId={submitTestId}>
            {submitLabel}
          </Button>
        </>
      }
    />
  );
}

export interface ConfirmDialogProps {
  open: boolean;
  title: ReactNode;
  /** What will happen, in one or two sentences. */
  description?: ReactNode;
  /** Label of the confirm button, e.g. "Delete VM". Defaults to "Confirm". */
  confirmLabel?: ReactNode;
  cancelLabel?: ReactNode;
  /** danger (default: red confirm button) | primary */
  tone?: "danger" | "primary";
  /** While true the confirm button spins and both buttons are disabled. */
  pending?: boolean;
  /** An error from the last attempt, shown above the buttons. */
  error?: ReactNode;
  onConfirm: () => void;
  onCancel: () => void;
  children?: ReactNode;
  testId?: string;
}

/**
 * Asks before doing something: `<ConfirmDialog open title="Delete web-01?" confirmLabel="Delete" onConfirm={...} onCancel={...} />`.
 * The buttons get data-testids `${testId}-confirm` and `${testId}-cancel`.
 */
export function ConfirmDialog({
  open,
  title,
  description,
  confirmLabel,
  cancelLabel,
  tone = "danger",
  pending = false,
  error,
  onConfirm,
  onCancel,
  children,
  testId = "confirm-dialog",
}: ConfirmDialogProps) {
  const t = useTranslations("common");
  return (
    <Dialog
      open={open}
      onClose={() => (pending ? undefined : onCancel())}
      title={title}
      description={description}
      size="sm"
      role="alertdialog"
      testId={testId}
      footer={
        <>
          <Button
            variant="secondary"
            onClick={onCancel}
            disabled={pending}
            testId={`${testId}-cancel`}
            data-autofocus={tone === "danger" || undefined}
          >
            {cancelLabel ?? t("actions.cancel")}
          </Button>
          <Button
            variant={tone}
            onClick={onConfirm}
            loading={pending}
            testId={`${testId}-confirm`}
            data-autofocus={tone !== "danger" || undefined}
          >
            {confirmLabel ?? t("actions.confirm")}
          </Button>
        </>
      }
    >
      {children}
      {error ? (
        <Alert tone="error" className={children ? "mt-3" : undefined}>
          {error}
        </Alert>
      ) : null}
    </Dialog>
  );
}
