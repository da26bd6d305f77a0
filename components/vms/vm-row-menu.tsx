"use client";

import type { ReactNode } from "react";
import { Spinner } from "@/components/ui/button";
import { Menu, MenuItem, MenuLabel } from "@/components/ui/menu";
import { MoreIcon } from "@/components/vms/vm-icons";

export interface RowMenuItem {
  key: string;
  label: ReactNode;
  danger?: boolean;
  testId: string;
  onSelect: () => void;
}

/**
 * The per-row actions menu of a table: the kit's Menu (its list opens in a portal, so the table's
 * sideways-scrolling box never clips it on the last rows), a spinner on the button while an action runs.
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
  return (
    <Menu
      label={label}
      testId={testId}
      disabled={busy}
      trigger={busy ? <Spinner /> : <MoreIcon className="size-5" />}
      triggerClassName="size-8 h-8 disabled:cursor-wait"
    >
      {items.length === 0 ? <MenuLabel>{emptyText}</MenuLabel> : null}
      {items.map((item) => (
        <MenuItem
          key={item.key}
          testId={item.testId}
          onSelect={item.onSelect}
          className={item.danger ? "text-red-700 dark:text-red-300" : undefined}
        >
          {item.label}
        </MenuItem>
      ))}
    </Menu>
  );
}
