/** Pure formatting helpers; components turn the parts into localized text. */

export const SIZE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
export type SizeUnit = (typeof SIZE_UNITS)[number];

/** A byte count in the largest binary unit that keeps the value >= 1 (1536 -> 1.5 KiB). */
export function sizeParts(bytes: number): { value: number; unit: SizeUnit } {
  let value = Math.max(0, bytes);
  let i = 0;
  while (value >= 1024 && i < SIZE_UNITS.length - 1) {
    value /= 1024;
    i += 1;
  }
  return { value, unit: SIZE_UNITS[i] };
}

/** Uptime split for display: the two most significant units matter. */
export function uptimeParts(seconds: number): { days: number; hours: number; minutes: number; seconds: number } {
  const s = Math.max(0, Math.floor(seconds));
  return {
    days: Math.floor(s / 86400),
    hours: Math.floor((s % 86400) / 3600),
    minutes: Math.floor((s % 3600) / 60),
    seconds: s % 60,
  };
}

/** Share of memory in use, 0..100, for a bar; null when unknown. */
export function usedPercent(total: number, free: number | null): number | null {
  if (free == null || !(total > 0)) return null;
  return Math.min(100, Math.max(0, ((total - free) / total) * 100));
}
