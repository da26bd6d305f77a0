/** Console kinds and ticket modes of docs/api-console.md; shared by the page (server) and the client. */
export type ConsoleKind = "vnc" | "spice" | "serial";
export type ConsoleMode = "interactive" | "view" | "takeover";

export const CONSOLE_KINDS: readonly ConsoleKind[] = ["vnc", "spice", "serial"];

export function isConsoleKind(v: unknown): v is ConsoleKind {
  return typeof v === "string" && (CONSOLE_KINDS as readonly string[]).includes(v);
}
