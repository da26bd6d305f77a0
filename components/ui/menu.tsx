"use client";
import Link from "next/link";
import * as DropdownMenu from "@radix-ui/react-dropdown-menu";
import { type ComponentProps, type ReactNode } from "react";
import { cn, focusRing } from "@/components/ui/cn";
import { CheckIcon } from "@/components/ui/icons";

/**
 * A menu button on Radix UI's DropdownMenu (WAI-ARIA menu pattern): click, Enter, Space or ArrowDown opens
 * it, arrow keys and typeahead move between items, Escape closes it and returns focus to the button, a click
 * outside closes it. The list renders in a portal, placed beside the button and kept on screen (so a table's
 * scrolling box never clips it).
 *
 *   <Menu label="Theme" trigger={<SunIcon />} testId="theme-toggle">
 *     <MenuRadioItem checked={theme === "dark"} onSelect={() => setTheme("dark")}>Dark</MenuRadioItem>
 *   </Menu>
 */
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
  /** The button does nothing, and looks it. */
  disabled?: boolean;
  /** A visible tooltip on the button (defaults to `label`); pass null for none. */
  title?: string | null;
  children: ReactNode;
}

export function Menu({
  label,
  trigger,
  align = "end",
  triggerClassName,
  menuClassName,
  testId,
  disabled,
  title,
  children,
}: MenuProps) {
  return (
    <DropdownMenu.Root modal={false}>
      <DropdownMenu.Trigger
        aria-label={label}
        title={title === null ? undefined : (title ?? label)}
        data-testid={testId}
        disabled={disabled}
        className={cn(
          "inline-flex h-9 items-center justify-center gap-1.5 rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900 aria-expanded:bg-slate-100 aria-expanded:text-slate-900",
          "dark:text-slate-300 dark:hover:bg-slate-800 dark:hover:text-slate-50 dark:aria-expanded:bg-slate-800 dark:aria-expanded:text-slate-50",
          "disabled:cursor-not-allowed disabled:opacity-50",
          focusRing,
          triggerClassName ?? "min-w-9 px-2",
        )}
      >
        {trigger}
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content
          aria-label={label}
          align={align}
          sideOffset={8}
          collisionPadding={8}
          data-testid={testId ? `${testId}-menu` : undefined}
          // Focus goes back to the button, unless the chosen item moved it on purpose (a console's screen).
          onCloseAutoFocus={(e) => {
            const at = document.activeElement;
            if (at && at !== document.body && !at.closest('[role="menu"]')) e.preventDefault();
          }}
          className={cn(
            "z-50 max-h-(--radix-dropdown-menu-content-available-height) min-w-48 overflow-y-auto rounded-lg bg-white p-1 text-sm shadow-lg ring-1 ring-slate-200 focus:outline-none",
            "dark:bg-slate-900 dark:ring-slate-700",
            menuClassName,
          )}
        >
          {children}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

const ITEM = cn(
  "flex w-full cursor-default items-center gap-2 rounded-md px-2.5 py-2 text-left text-slate-800 outline-none select-none",
  "hover:bg-slate-100 data-highlighted:bg-slate-100 dark:text-slate-100 dark:hover:bg-slate-800 dark:data-highlighted:bg-slate-800",
  "data-disabled:cursor-not-allowed data-disabled:text-slate-500 data-disabled:hover:bg-transparent dark:data-disabled:text-slate-400",
  "[&_svg]:size-4 [&_svg]:shrink-0 [&_svg]:text-slate-500 dark:[&_svg]:text-slate-400",
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
    ComponentProps<"div">,
    "onSelect" | "children"
  >) {
  return (
    <DropdownMenu.Item
      disabled={disabled}
      data-testid={testId}
      className={cn(ITEM, className)}
      onSelect={(e) => {
        if (keepOpen) e.preventDefault();
        onSelect();
      }}
      {...rest}
    >
      {children}
    </DropdownMenu.Item>
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
}: ItemBase & { checked: boolean; onSelect: () => void } & Omit<ComponentProps<"div">, "onSelect" | "children">) {
  return (
    <DropdownMenu.Item
      {...rest}
      role="menuitemradio"
      aria-checked={checked}
      data-testid={testId}
      className={cn(ITEM, checked && "font-medium", className)}
      onSelect={onSelect}
    >
      {children}
      <CheckIcon className={cn("ml-auto", checked ? "text-indigo-600! dark:text-indigo-400!" : "invisible")} />
    </DropdownMenu.Item>
  );
}

/** An on/off setting (autostart); shows a check mark when on. */
export function MenuCheckboxItem({
  checked,
  onCheckedChange,
  disabled,
  testId,
  className,
  children,
}: ItemBase & { checked: boolean; onCheckedChange: (checked: boolean) => void; disabled?: boolean }) {
  return (
    <DropdownMenu.CheckboxItem
      checked={checked}
      disabled={disabled}
      onCheckedChange={onCheckedChange}
      data-testid={testId}
      className={cn(ITEM, className)}
    >
      {children}
      <CheckIcon className={cn("ml-auto", checked ? "text-indigo-600! dark:text-indigo-400!" : "invisible")} />
    </DropdownMenu.CheckboxItem>
  );
}

/** A navigation entry. */
export function MenuLink({ href, testId, className, children }: ItemBase & { href: string }) {
  return (
    <DropdownMenu.Item asChild className={cn(ITEM, className)}>
      <Link href={href} data-testid={testId}>
        {children}
      </Link>
    </DropdownMenu.Item>
  );
}

/** Non-interactive text at the top of a menu (who is signed in, a group name). */
export function MenuLabel({ className, children }: { className?: string; children: ReactNode }) {
  return (
    <DropdownMenu.Label className={cn("px-2.5 py-2 text-slate-600 dark:text-slate-400", className)}>
      {children}
    </DropdownMenu.Label>
  );
}

export function MenuSeparator() {
  return <DropdownMenu.Separator className="my-1 h-px bg-slate-200 dark:bg-slate-700" />;
}
