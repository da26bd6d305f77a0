import type { ComponentProps, ReactNode } from "react";
import { cn } from "@/components/ui/cn";

/**
 * A data table that scrolls sideways on narrow screens.
 *
 *   <Table caption="Virtual machines">
 *     <THead><TR><TH>Name</TH><TH>State</TH></TR></THead>
 *     <TBody>{vms.map((vm) => <TR key={vm.uuid}><TD>{vm.name}</TD>...</TR>)}</TBody>
 *   </Table>
 *
 * `caption` is for screen readers (visually hidden) unless `showCaption`.
 */
export function Table({
  caption,
  showCaption = false,
  className,
  testId,
  children,
}: {
  caption?: ReactNode;
  showCaption?: boolean;
  className?: string;
  testId?: string;
  children: ReactNode;
}) {
  // Focusable (and named) so a table wider than the screen can be scrolled with the keyboard.
  return (
    <div
      tabIndex={0}
      role={typeof caption === "string" ? "region" : undefined}
      aria-label={typeof caption === "string" ? caption : undefined}
      className={cn(
        // relative: visually hidden text in a cell (absolutely positioned) stays inside the scroll box
        // instead of widening the page to where the cell would be.
        "relative overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200 dark:bg-slate-900 dark:ring-slate-800",
        className,
      )}
    >
      <table data-testid={testId} className="min-w-full divide-y divide-slate-200 text-sm dark:divide-slate-800">
        {caption ? (
          <caption className={showCaption ? "px-4 py-3 text-left font-semibold" : "sr-only"}>{caption}</caption>
        ) : null}
        {children}
      </table>
    </div>
  );
}

export function THead({ className, ...rest }: ComponentProps<"thead">) {
  return <thead className={cn("bg-slate-50 dark:bg-slate-900/60", className)} {...rest} />;
}

export function TBody({ className, ...rest }: ComponentProps<"tbody">) {
  return <tbody className={cn("divide-y divide-slate-200 dark:divide-slate-800", className)} {...rest} />;
}

/** A row. Pass `testId` for a stable handle, e.g. `vm-row-${uuid}`. */
export function TR({ className, testId, ...rest }: ComponentProps<"tr"> & { testId?: string }) {
  return (
    <tr data-testid={testId} className={cn("hover:bg-slate-50/70 dark:hover:bg-slate-800/40", className)} {...rest} />
  );
}

/** A header cell; scope="col" by default. */
export function TH({ className, scope = "col", ...rest }: ComponentProps<"th">) {
  return (
    <th
      scope={scope}
      className={cn(
        "px-4 py-2.5 text-left text-xs font-semibold tracking-wide whitespace-nowrap text-slate-600 uppercase dark:text-slate-400",
        className,
      )}
      {...rest}
    />
  );
}

/**
 * A header of plain column titles; `actionsLabel` adds a last column for the rows' buttons, its
 * title read to screen readers only.
 */
export function TableHeader({ columns, actionsLabel }: { columns: readonly ReactNode[]; actionsLabel?: string }) {
  return (
    <THead>
      <TR>
        {columns.map((c, i) => (
          <TH key={i}>{c}</TH>
        ))}
        {actionsLabel ? (
          <TH>
            <span className="sr-only">{actionsLabel}</span>
          </TH>
        ) : null}
      </TR>
    </THead>
  );
}

/** A cell. Text stays on one line (the table scrolls instead); pass `wrap` for long free text. */
/** `wrap`: the text may wrap (at least 12rem wide); "tight": it may wrap with no minimum width. */
export function TD({ className, wrap = false, ...rest }: ComponentProps<"td"> & { wrap?: boolean | "tight" }) {
  return (
    <td
      className={cn(
        "px-4 py-3 align-middle text-slate-800 dark:text-slate-200",
        wrap === "tight" ? "[overflow-wrap:anywhere]" : wrap ? "min-w-48" : "whitespace-nowrap",
        className,
      )}
      {...rest}
    />
  );
}

/** A single full-width row for "nothing matches" inside a table body. */
export function TableEmpty({ colSpan, children }: { colSpan: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={colSpan} className="px-4 py-10 text-center text-sm text-slate-500 dark:text-slate-400">
        {children}
      </td>
    </tr>
  );
}
