"use client";
import Link from "next/link";
import {
  createContext,
  use,
  useCallback,
  useEffect,
  useId,
  useRef,
  useState,
  type ComponentProps,
  type KeyboardEvent,
  type ReactNode,
} from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { CheckIcon } from "@/components/ui/icons";

/**
 * A menu button (WAI-ARIA menu pattern): click or ArrowDown opens it, arrow keys
 * move between items, Escape closes it and returns focus to the button, a click
 * outside closes it.
 *
 *   <Menu label="Theme" trigger={<SunIcon />} testId="theme-toggle">
 *     <MenuRadioItem checked={theme === "dark"} onSelect={() => setTheme("dark")}>Dark</MenuRadioItem>
 *   </Menu>
 */
const MenuContext = createContext<{ close: () => void } | null>(null);

const ITEM_SELECTOR = '[role="menuitem"],[role="menuitemradio"],[role="menuitemcheckbox"]';

export interface MenuProps {
  /** Accessible name of the button and the menu. */
  label: string;
  /** Button content (icon, avatar, text). */
  trigger: ReactNode;
  /** Which edge of the button the menu lines up with. */
  align?: "start" | "end";
  triggerClassName?: string;
  menuClassName?: string;
  /** data-testid of the button; the menu gets `${testId}-menu`. */
  testId?: string;
  children: ReactNode;
}

export function Menu({ label, trigger, align = "end", triggerClassName, menuClassName, testId, children }: MenuProps) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  const close = useCallback(() => {
    setOpen(false);
    buttonRef.current?.focus();
  }, []);

  const items = () =>
    Array.from(menuRef.current?.querySelectorAll<HTMLElement>(ITEM_SELECTOR) ?? []).filter(
      (el) => el.getAttribute("aria-disabled") !== "true",
    );

  useEffect(() => {
    if (!open) return;
    // Focus the checked item of a radio menu, else the first item.
    const all = items();
    (all.find((el) => el.getAttribute("aria-checked") === "true") ?? all[0])?.focus();
    const onPointerDown = (e: PointerEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", onPointerDown);
    return () => document.removeEventListener("pointerdown", onPointerDown);
  }, [open]);

  function onKeyDown(e: KeyboardEvent) {
    if (!open) {
      if (e.target === buttonRef.current && (e.key === "ArrowDown" || e.key === "ArrowUp")) {
        e.preventDefault();
        setOpen(true);
      }
      return;
    }
    const all = items();
    const at = all.indexOf(document.activeElement as HTMLElement);
    const move = (i: number) => all[(i + all.length) % all.length]?.focus();
    switch (e.key) {
      case "Escape":
        e.preventDefault();
        close();
        break;
      case "ArrowDown":
        e.preventDefault();
        move(at + 1);
        break;
      case "ArrowUp":
        e.preventDefault();
        move(at < 0 ? -1 : at - 1);
        break;
      case "Home":
        e.preventDefault();
        move(0);
        break;
      case "End":
        e.preventDefault();
        move(-1);
        break;
      case "Tab":
        setOpen(false);
        break;
    }
  }

  return (
    <div ref={rootRef} className="relative" onKeyDown={onKeyDown}>
      <button
        ref={buttonRef}
        type="button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={label}
        title={label}
        data-testid={testId}
        onClick={() => setOpen((o) => !o)}
        className={cn(
          "inline-flex h-9 items-center justify-center gap-1.5 rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-expanded:bg-slate-100 aria-expanded:text-slate-900",
          "dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50 dark:aria-expanded:bg-slate-800 dark:aria-expanded:text-slate-50",
          focusRing,
          triggerClassName ?? "min-w-9 px-2",
        )}
      >
        {trigger}
      </button>
      {open ? (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={label}
          data-testid={testId ? `${testId}-menu` : undefined}
          className={cn(
            "absolute top-full z-50 mt-2 min-w-48 rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200 focus:outline-none",
            "dark:bg-slate-900 dark:ring-slate-700",
            align === "end" ? "right-0" : "left-0",
            menuClassName,
          )}
        >
          <MenuContext value={{ close }}>{children}</MenuContext>
        </div>
      ) : null}
    </div>
  );
}

const ITEM = cn(
  "flex w-full items-center gap-2 rounded-md px-2.5 py-2 text-left text-slate-800 outline-none",
  "hover:bg-slate-100 focus:bg-slate-100 dark:text-slate-100 dark:hover:bg-slate-800 dark:focus:bg-slate-800",
  "aria-disabled:cursor-not-allowed aria-disabled:opacity-50 [&_svg]:size-4 [&_svg]:shrink-0 [&_svg]:text-slate-500 dark:[&_svg]:text-slate-400",
);

type ItemBase = { testId?: string; className?: string; children: ReactNode };

/** An action. The menu closes before `onSelect` runs; pass `keepOpen` to leave it open. */
export function MenuItem({
  onSelect,
  disabled,
  keepOpen,
  testId,
  className,
  children,
  ...rest
}: ItemBase & { onSelect: () => void; disabled?: boolean; keepOpen?: boolean } & Omit<
    ComponentProps<"button">,
    "onSelect" | "children"
  >) {
  const menu = use(MenuContext);
  return (
    <button
      type="button"
      role="menuitem"
      tabIndex={-1}
      aria-disabled={disabled || undefined}
      data-testid={testId}
      className={cn(ITEM, className)}
      onClick={() => {
        if (disabled) return;
        if (!keepOpen) menu?.close();
        onSelect();
      }}
      {...rest}
    >
      {children}
    </button>
  );
}

/** One choice of a set (theme, language); shows a check mark when `checked`. */
export function MenuRadioItem({
  checked,
  onSelect,
  testId,
  className,
  children,
  ...rest
}: ItemBase & { checked: boolean; onSelect: () => void } & Omit<ComponentProps<"button">, "onSelect" | "children">) {
  const menu = use(MenuContext);
  return (
    <button
      type="button"
      role="menuitemradio"
      aria-checked={checked}
      tabIndex={-1}
      data-testid={testId}
      className={cn(ITEM, checked && "font-medium", className)}
      onClick={() => {
        menu?.close();
        onSelect();
      }}
      {...rest}
    >
      {children}
      <CheckIcon className={cn("ml-auto", checked ? "text-indigo-600! dark:text-indigo-400!" : "invisible")} />
    </button>
  );
}

/** A navigation entry. */
export function MenuLink({ href, testId, className, children }: ItemBase & { href: string }) {
  const menu = use(MenuContext);
  return (
    <Link
      href={href}
      role="menuitem"
      tabIndex={-1}
      data-testid={testId}
      className={cn(ITEM, className)}
      onClick={() => menu?.close()}
    >
      {children}
    </Link>
  );
}

/** Non-interactive text at the top of a menu (who is signed in, a group name). */
export function MenuLabel({ className, children }: { className?: string; children: ReactNode }) {
  return <div className={cn("px-2.5 py-2 text-slate-600 dark:text-slate-400", className)}>{children}</div>;
}

export function MenuSeparator() {
  return <div role="separator" className="my-1 h-px bg-slate-200 dark:bg-slate-700" />;
}
