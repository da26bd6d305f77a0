"use client";

import { useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from "react";
import { Spinner } from "@/components/ui/button";
import { cn, focusRing } from "@/components/ui/cn";
import { MoreIcon } from "@/components/vms/vm-icons";

export interface RowMenuItem {
  key: string;
  label: ReactNode;
  danger?: boolean;
  testId: string;
  onSelect: () => void;
}

const GAP = 4;

/**
 * The per-row actions menu of a table. The kit's Menu drops its list below the
 * button inside the table's sideways-scrolling box, which clips it on the last
 * rows; this one opens in the top layer (popover="auto": light dismiss and
 * Escape come from the browser) at the button's position, above it when there
 * is no room below, and closes when anything scrolls.
 */
export function VmRowMenu({
  label,
  items,
  busy,
  emptyText,
  testId,
}: {
  label: string;
  items: RowMenuItem[];
  busy: boolean;
  emptyText: ReactNode;
  testId: string;
}) {
  const [open, setOpen] = useState(false);
  const [pos, setPos] = useState<{ top: number; left: number } | null>(null);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const id = useId();

  // The button opens and closes the popover natively (popoverTarget); this mirrors its state.
  useEffect(() => {
    const el = menu.current;
    if (!el) return;
    const onToggle = (e: Event) => {
      const opened = (e as ToggleEvent).newState === "open";
      setOpen(opened);
      if (!opened) {
        setPos(null);
        if (el.contains(document.activeElement)) button.current?.focus();
      }
    };
    el.addEventListener("toggle", onToggle);
    return () => el.removeEventListener("toggle", onToggle);
  }, []);

  useLayoutEffect(() => {
    const el = menu.current;
    const trigger = button.current;
    if (!open || !el || !trigger) return;
    const b = trigger.getBoundingClientRect();
    const m = el.getBoundingClientRect();
    const below = b.bottom + GAP + m.height <= window.innerHeight;
    setPos({
      top: below ? b.bottom + GAP : Math.max(GAP, b.top - GAP - m.height),
      left: Math.min(Math.max(GAP, b.right - m.width), window.innerWidth - m.width - GAP),
    });
  }, [open]);

  // Focus the first item once the menu is placed (a hidden element cannot take focus).
  useEffect(() => {
    if (pos) menu.current?.querySelector<HTMLElement>('[role="menuitem"]')?.focus();
  }, [pos]);

  useEffect(() => {
    if (!open) return;
    const close = () => hide();
    window.addEventListener("scroll", close, true);
    window.addEventListener("resize", close);
    return () => {
      window.removeEventListener("scroll", close, true);
      window.removeEventListener("resize", close);
    };
  }, [open]);

  function hide() {
    if (menu.current?.matches(":popover-open")) menu.current.hidePopover();
  }

  function onKeyDown(e: KeyboardEvent) {
    const all = Array.from(menu.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? []);
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (i: number) => all[(i + all.length) % all.length]?.focus();
    if (e.key === "ArrowDown") move(at + 1);
    else if (e.key === "ArrowUp") move(at < 0 ? -1 : at - 1);
    else if (e.key === "Home") move(0);
    else if (e.key === "End") move(-1);
    else if (e.key === "Tab") return hide();
    else return;
    e.preventDefault();
  }

  return (
    <>
      <button
        ref={button}
        type="button"
        popoverTarget={id}
        disabled={busy}
        aria-busy={busy || undefined}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-label={label}
        title={label}
        data-testid={testId}
        onKeyDown={(e) => {
          if (!open && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
            e.preventDefault();
            menu.current?.showPopover();
          }
        }}
        className={cn(
          "inline-flex size-8 items-center justify-center rounded-md text-slate-600 disabled:cursor-wait hover:bg-slate-100 hover:text-slate-900 aria-expanded:bg-slate-100",
          "dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50 dark:aria-expanded:bg-slate-800",
          focusRing,
        )}
      >
        {busy ? <Spinner /> : <MoreIcon className="size-5" />}
      </button>
      <div
        ref={menu}
        id={id}
        popover="auto"
        role="menu"
        aria-label={label}
        data-testid={open ? `${testId}-menu` : undefined}
        onKeyDown={onKeyDown}
        style={{
          position: "fixed",
          inset: "auto",
          margin: 0,
          top: pos?.top ?? 0,
          left: pos?.left ?? 0,
          visibility: pos ? "visible" : "hidden",
        }}
        className="min-w-48 rounded-lg border-0 bg-white p-1 text-left text-sm shadow-lg ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-700"
      >
        {open && items.length === 0 ? (
          <div className="px-2.5 py-2 text-slate-600 dark:text-slate-400">{emptyText}</div>
        ) : null}
        {open
          ? items.map((item) => (
              <button
                key={item.key}
                type="button"
                role="menuitem"
                tabIndex={-1}
                data-testid={item.testId}
                onClick={() => {
                  hide();
                  item.onSelect();
                }}
                className={cn(
                  "flex w-full items-center gap-2 rounded-md px-2.5 py-2 text-left outline-none hover:bg-slate-100 focus:bg-slate-100 dark:hover:bg-slate-800 dark:focus:bg-slate-800",
                  item.danger ? "text-red-700 dark:text-red-300" : "text-slate-800 dark:text-slate-100",
                )}
              >
                {item.label}
              </button>
            ))
          : null}
      </div>
    </>
  );
}
