/**
 * CSV (RFC 4180) for the audit export. Cells that a spreadsheet would read as
 * a formula (starting with = + - @, or a tab / carriage return that some
 * programs skip before one) get a leading apostrophe, so an attacker-chosen VM
 * or user name cannot run a formula on the auditor's machine (OWASP "CSV
 * injection"). Quotes, commas and line breaks are quoted per RFC 4180.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export function csvCell(value: unknown): string {
  let s =
    value == null
      ? ""
      : typeof value === "string"
        ? value
        : typeof value === "object"
          ? JSON.stringify(value)
          : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record, CRLF-terminated as RFC 4180 has it. */
export function csvRow(cells: readonly unknown[]): string {
  return cells.map(csvCell).join(",") + "\r\n";
}
