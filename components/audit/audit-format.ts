/** Audit rows made readable: pure helpers for the audit log table. */

const MAX_ENTRIES = 4;
const MAX_VALUE = 80;

function short(v: string): string {
  return v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE - 1)}…` : v;
}

function valueText(v: unknown): string {
  if (v == null) return "—";
  if (typeof v === "string") return short(v);
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return short(v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", "));
  // A referenced object (a subject, a role) reads as its name.
  const named = v as { name?: unknown; username?: unknown };
  if (typeof named.name === "string") return short(named.name);
  if (typeof named.username === "string") return short(named.username);
  return short(JSON.stringify(v));
}

function isChange(v: unknown): v is { from: unknown; to: unknown } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && "from" in v && "to" in v;
}

/**
 * An event's details as a few "key: value" lines: a {from, to} pair reads "key: a → b", lists are
 * joined, long values cut. At most four lines; `more` counts the keys left out (the JSON has them).
 */
export function auditDetailLines(details: unknown): { lines: string[]; more: number } {
  if (typeof details !== "object" || details === null || Array.isArray(details)) {
    return details == null ? { lines: [], more: 0 } : { lines: [valueText(details)], more: 0 };
  }
  const entries = Object.entries(details as Record<string, unknown>);
  const lines = entries
    .slice(0, MAX_ENTRIES)
    .map(([k, v]) => (isChange(v) ? `${k}: ${valueText(v.from)} → ${valueText(v.to)}` : `${k}: ${valueText(v)}`));
  return { lines, more: Math.max(0, entries.length - MAX_ENTRIES) };
}

/**
 * What an event was about, by name: its recorded name, else the host's name for a host id, and
 * for a VM ("hostId/uuid") the host's name and the start of the UUID. The raw id stays available as a tooltip.
 */
export function auditTargetLabel(
  e: { targetType: string; targetId: string; targetName: string },
  hostName: (id: string) => string | undefined,
): string {
  if (!e.targetType && !e.targetId && !e.targetName) return "";
  if (e.targetName) return `${e.targetType}: ${e.targetName}`;
  if (e.targetType === "host") return `host: ${hostName(e.targetId) ?? e.targetId}`;
  if (e.targetType === "vm") {
    const [host, uuid] = e.targetId.split("/");
    if (uuid) return `vm: ${uuid.slice(0, 8)} (${hostName(host) ?? host.slice(0, 8)})`;
  }
  return `${e.targetType}: ${e.targetId}`;
}
