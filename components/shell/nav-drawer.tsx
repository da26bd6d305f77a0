"use client";
import { useEffect, useRef, type ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { XIcon } from "@/components/ui/icons";

/**
 * The sidebar as a slide-in drawer for small screens, on a native <dialog>
 * (focus trap, Escape, inert page). Closes itself if the window grows to the
 * desktop breakpoint, where the static sidebar takes over.
 */
export function NavDrawer({
  open,
  onClose,
  label,
  closeLabel,
  header,
  children,
}: {
  open: boolean;
  onClose: () => void;
  label: string;
  closeLabel: string;
  header: ReactNode;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const desktop = matchMedia("(min-width: 1024px)");
    const onChange = () => desktop.matches && onClose();
    desktop.addEventListener("change", onChange);
    return () => desktop.removeEventListener("change", onChange);
  }, [open, onClose]);

  return (
    <dialog
      ref={ref}
      id="nav-drawer"
      data-testid="nav-drawer"
      aria-label={label}
      onCancel={(e) => {
        e.preventDefault();
        onClose();
      }}
      onClick={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
      className={cn(
        "fixed inset-y-0 left-0 m-0 h-dvh max-h-none w-72 max-w-[85vw] bg-white p-0 shadow-xl",
        "backdrop:bg-slate-950/50 dark:bg-slate-900 lg:hidden",
      )}
    >
      {open ? (
        <div className="flex h-full flex-col">
          <div className="flex h-14 shrink-0 items-center justify-between border-b border-slate-200 px-4 dark:border-slate-800">
            {header}
            <button
              type="button"
              onClick={onClose}
              aria-label={closeLabel}
              data-testid="nav-close"
              className={cn(
                "rounded-md p-2 text-slate-500 hover:bg-slate-100 hover:text-slate-900 dark:hover:bg-slate-800 dark:hover:text-slate-100",
                focusRing,
              )}
            >
              <XIcon className="size-5" />
            </button>
          </div>
          <div className="min-h-0 flex-1 overflow-y-auto">{children}</div>
        </div>
      ) : null}
    </dialog>
  );
}
